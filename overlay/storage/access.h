#pragma once
// Access control policies (RFC 6940 §7.3), checked against the verified signer of each
// StoredData: may this signer write this value of this kind at this Resource-ID?

#include "overlay/storage/kinds.h"
#include "overlay/storage/signing.h"
#include "overlay/wire/ids.h"
#include "overlay/wire/storage_types.h"

namespace p2psip::storage {

bool access_allowed(const KindDef& kind, const wire::ResourceId& resource,
                    const wire::StoredDataValue& value, const SignerInfo& signer);

}  // namespace p2psip::storage
