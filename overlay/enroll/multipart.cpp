#include "overlay/enroll/multipart.h"

#include <algorithm>

#include "common/text.h"

namespace p2psip::enroll {

namespace {

constexpr std::size_t kMaxBoundary = 70;  // RFC 2046 §5.1.1

// The value of `param` in "type; a=b; param=value" (quotes removed), or nullopt.
std::optional<std::string> parameter(std::string_view header, std::string_view param) {
  std::size_t pos = header.find(';');
  while (pos != std::string_view::npos) {
    std::size_t next = header.find(';', pos + 1);
    std::string_view item = trim_ows(header.substr(pos + 1, next == header.npos ? header.npos : next - pos - 1));
    auto eq = item.find('=');
    if (eq != std::string_view::npos && ascii_lower(trim_ows(item.substr(0, eq))) == param) {
      std::string_view v = trim_ows(item.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
    pos = next;
  }
  return std::nullopt;
}

Expected<FormPart, std::string> parse_part(std::string_view part) {
  std::size_t head_end = part.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return unexpected(std::string("part without a header end"));
  FormPart out;
  out.data = std::string(part.substr(head_end + 4));
  std::string_view head = part.substr(0, head_end);
  bool form_data = false;
  while (!head.empty()) {
    std::size_t eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    head = eol == head.npos ? std::string_view{} : head.substr(eol + 2);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return unexpected(std::string("malformed part header"));
    std::string name = ascii_lower(trim_ows(line.substr(0, colon)));
    std::string_view value = trim_ows(line.substr(colon + 1));
    if (name == "content-disposition") {
      form_data = ascii_lower(trim_ows(value.substr(0, value.find(';')))) == "form-data";
      out.name = parameter(value, "name").value_or("");
    } else if (name == "content-type") {
      out.content_type = ascii_lower(trim_ows(value.substr(0, value.find(';'))));
    }
  }
  if (!form_data || out.name.empty()) return unexpected(std::string("part is not form-data with a name"));
  return out;
}

}  // namespace

Expected<std::string, std::string> form_boundary(std::string_view content_type) {
  if (ascii_lower(trim_ows(content_type.substr(0, content_type.find(';')))) != "multipart/form-data") {
    return unexpected(std::string("not multipart/form-data"));
  }
  auto b = parameter(content_type, "boundary");
  if (!b || b->empty() || b->size() > kMaxBoundary) return unexpected(std::string("bad boundary"));
  return *b;
}

Expected<std::vector<FormPart>, std::string> parse_form_data(std::string_view content_type,
                                                             std::string_view body) {
  auto boundary = form_boundary(content_type);
  if (!boundary) return unexpected(boundary.error());
  const std::string delim = "--" + *boundary;
  // The first delimiter may start the body or follow a preamble ending in CRLF.
  std::size_t pos = body.substr(0, delim.size()) == delim ? 0 : body.find("\r\n" + delim);
  if (pos == std::string_view::npos) return unexpected(std::string("no boundary in the body"));
  pos += pos == 0 ? delim.size() : delim.size() + 2;
  std::vector<FormPart> parts;
  while (true) {
    if (body.substr(pos, 2) == "--") return parts;  // close-delimiter
    if (body.substr(pos, 2) != "\r\n") return unexpected(std::string("malformed delimiter line"));
    pos += 2;
    std::size_t next = body.find("\r\n" + delim, pos);
    if (next == std::string_view::npos) return unexpected(std::string("unterminated part"));
    if (parts.size() >= kMaxFormParts) return unexpected(std::string("too many parts"));
    auto part = parse_part(body.substr(pos, next - pos));
    if (!part) return unexpected(part.error());
    parts.push_back(std::move(part).value());
    pos = next + 2 + delim.size();
  }
}

const FormPart* find_part(const std::vector<FormPart>& parts, std::string_view name) {
  auto it = std::find_if(parts.begin(), parts.end(), [&](const FormPart& p) { return p.name == name; });
  return it == parts.end() ? nullptr : &*it;
}

std::string build_form_data(std::string_view boundary, const std::vector<FormPart>& parts) {
  std::string out;
  for (const FormPart& p : parts) {
    out += "--" + std::string(boundary) + "\r\n";
    out += "Content-Disposition: form-data; name=\"" + p.name + "\"\r\n";
    if (!p.content_type.empty()) out += "Content-Type: " + p.content_type + "\r\n";
    out += "\r\n" + p.data + "\r\n";
  }
  out += "--" + std::string(boundary) + "--\r\n";
  return out;
}

}  // namespace p2psip::enroll
