#include "overlay/enroll/http_message.h"

#include <algorithm>
#include <charconv>

#include "common/text.h"

namespace p2psip::enroll {

namespace {

HttpParse error(int status) {
  HttpParse p;
  p.state = HttpParse::State::error;
  p.status = status;
  return p;
}

// Request line: METHOD SP TARGET SP HTTP/1.x
bool parse_request_line(std::string_view line, HttpRequest& r, int& status) {
  auto sp1 = line.find(' ');
  auto sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp1 == sp2 || sp1 == 0) return (status = 400), false;
  r.method = std::string(line.substr(0, sp1));
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (target.empty() || target.front() != '/') return (status = 400), false;
  if (version.substr(0, 7) != "HTTP/1.") return (status = 505), false;
  r.path = std::string(target.substr(0, target.find('?')));
  return true;
}

}  // namespace

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

HttpParse parse_http_request(std::string_view buffer, std::size_t max_body) {
  std::size_t head_end = buffer.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    return buffer.size() > kMaxHttpHead ? error(431) : HttpParse{};
  }
  if (head_end + 4 > kMaxHttpHead) return error(431);
  std::string_view head = buffer.substr(0, head_end);
  HttpParse p;
  std::size_t eol = head.find("\r\n");
  int status = 400;
  if (!parse_request_line(head.substr(0, eol), p.request, status)) return error(status);
  while (eol != std::string_view::npos) {
    std::size_t start = eol + 2;
    eol = head.find("\r\n", start);
    std::string_view line = head.substr(start, eol == std::string_view::npos ? head.npos : eol - start);
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return error(400);
    if (p.request.headers.size() >= kMaxHttpHeaders) return error(431);
    p.request.headers.emplace_back(ascii_lower(line.substr(0, colon)), std::string(trim_ows(line.substr(colon + 1))));
  }
  if (p.request.header("transfer-encoding")) return error(501);
  std::size_t length = 0;
  if (auto cl = p.request.header("content-length")) {
    auto [end, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), length);
    if (ec != std::errc() || end != cl->data() + cl->size()) return error(400);
    if (length > max_body) return error(413);
  } else if (p.request.method == "POST") {
    return error(411);
  }
  std::size_t body_start = head_end + 4;
  if (buffer.size() - body_start < length) return HttpParse{};
  p.request.body = std::string(buffer.substr(body_start, length));
  p.state = HttpParse::State::complete;
  return p;
}

std::string_view http_reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
    default: return "Internal Server Error";
  }
}

std::string http_response(int status, std::string_view content_type, std::string_view body) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(http_reason(status)) + "\r\n";
  out += "Content-Type: " + std::string(content_type) + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "Cache-Control: no-store\r\nConnection: close\r\n\r\n";
  out += body;
  return out;
}

}  // namespace p2psip::enroll
