#pragma once
// libxml2 handles owned by unique_ptr (the security/handles.h pattern), and xmlChar casts.

#include <libxml/tree.h>

#include <memory>
#include <string>

namespace p2psip::enroll {

struct XmlDocFree {
  void operator()(xmlDoc* d) const noexcept { xmlFreeDoc(d); }
};
struct XmlBufferFree {
  void operator()(xmlBuffer* b) const noexcept { xmlBufferFree(b); }
};
using XmlDocPtr = std::unique_ptr<xmlDoc, XmlDocFree>;
using XmlBufferPtr = std::unique_ptr<xmlBuffer, XmlBufferFree>;

inline const xmlChar* xc(const char* s) { return reinterpret_cast<const xmlChar*>(s); }
inline const xmlChar* xc(const std::string& s) { return xc(s.c_str()); }
inline std::string from_xc(const xmlChar* s) {
  return s ? std::string(reinterpret_cast<const char*>(s)) : std::string();
}

}  // namespace p2psip::enroll
