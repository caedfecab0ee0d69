#pragma once
// multipart/form-data (RFC 7578, which obsoletes the RFC 2388 that RFC 6940 §11.3 cites), as a
// pure parser for the enrollment request: the boundary from the Content-Type, then each part's
// name (Content-Disposition: form-data; name="...") , optional Content-Type and bytes.
// Bounded: at most kMaxFormParts parts; anything malformed is an error (the server answers 400).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"

namespace p2psip::enroll {

inline constexpr std::size_t kMaxFormParts = 16;

struct FormPart {
  std::string name;
  std::string content_type;  // lower-case, parameters dropped; "" when absent
  std::string data;
};

// The boundary parameter of a multipart/form-data Content-Type, or an error.
Expected<std::string, std::string> form_boundary(std::string_view content_type);

Expected<std::vector<FormPart>, std::string> parse_form_data(std::string_view content_type,
                                                             std::string_view body);

// The first part of that name, or nullptr.
const FormPart* find_part(const std::vector<FormPart>& parts, std::string_view name);

// Builds a body (for the client): each part as name, content type ("" for none) and data.
std::string build_form_data(std::string_view boundary, const std::vector<FormPart>& parts);

}  // namespace p2psip::enroll
