// CLUSTER SLOTS and MOVED/ASK parsing, and the slot -> master map.
#include <algorithm>
#include <charconv>

#include "lshrs/error.hpp"
#include "redis/cluster/cluster.hpp"

namespace lshrs::redis {
namespace {

[[noreturn]] void malformed(const std::string& what, const ServerAddress& asked) {
  throw StorageError("unexpected CLUSTER SLOTS reply from " + asked.to_string() + ": " + what +
                     "; is this a Redis Cluster node (redis-server 3.0 or newer)?");
}

std::optional<int> to_int(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::uint16_t slot_number(const Reply& r, const ServerAddress& asked) {
  if (r.kind != Reply::Kind::kInteger || r.integer < 0 ||
      r.integer >= static_cast<long long>(kClusterSlotCount)) {
    malformed("a slot bound is not an integer in 0..16383", asked);
  }
  return static_cast<std::uint16_t>(r.integer);
}

// [host, port, id?, metadata?] -> address; nullopt when the endpoint is unknown.
std::optional<ServerAddress> node_address(const Reply& node, const ServerAddress& asked,
                                          std::string* id) {
  if (!node.is_array() || node.elements.size() < 2 ||
      node.elements[0].kind != Reply::Kind::kString ||
      node.elements[1].kind != Reply::Kind::kInteger) {
    malformed("a node entry is not [host, port, ...]", asked);
  }
  const std::string& host = node.elements[0].text;
  if (host == "?") return std::nullopt;  // Redis 7: endpoint unknown to that node
  const long long port = node.elements[1].integer;
  if (port <= 0 || port > 65535) malformed("port " + std::to_string(port), asked);
  if (id != nullptr && node.elements.size() > 2 && node.elements[2].kind == Reply::Kind::kString) {
    *id = node.elements[2].text;
  }
  ServerAddress address;
  address.host = host.empty() ? asked.host : host;  // empty: "the node you asked"
  address.port = static_cast<int>(port);
  return address;
}

}  // namespace

std::vector<SlotRange> parse_cluster_slots(const Reply& reply, const ServerAddress& asked) {
  if (!reply.is_array()) malformed("not an array", asked);
  std::vector<SlotRange> ranges;
  for (const Reply& entry : reply.elements) {
    if (!entry.is_array() || entry.elements.size() < 3) {
      malformed("an entry is not [first, last, master, replicas...]", asked);
    }
    SlotRange range;
    range.first = slot_number(entry.elements[0], asked);
    range.last = slot_number(entry.elements[1], asked);
    if (range.last < range.first) malformed("a range ends before it starts", asked);
    auto master = node_address(entry.elements[2], asked, &range.node_id);
    if (!master) continue;  // nobody can reach it: leave those slots unserved
    range.master = std::move(*master);
    for (std::size_t i = 3; i < entry.elements.size(); ++i) {
      if (auto replica = node_address(entry.elements[i], asked, nullptr)) {
        range.replicas.push_back(std::move(*replica));
      }
    }
    ranges.push_back(std::move(range));
  }
  return ranges;
}

std::optional<Redirect> parse_redirect(const Reply& reply, const ServerAddress& asked) {
  const std::string_view code = reply.error_code();
  if (code != "MOVED" && code != "ASK") return std::nullopt;
  // "<CODE> <slot> <host>:<port>"; the host may be an IPv6 address or empty.
  const std::string_view rest = std::string_view(reply.text).substr(code.size());
  const auto slot_at = rest.find_first_not_of(' ');
  if (slot_at == std::string_view::npos) return std::nullopt;
  const auto space = rest.find(' ', slot_at);
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view endpoint = rest.substr(space + 1);
  const auto colon = endpoint.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto slot = to_int(rest.substr(slot_at, space - slot_at));
  const auto port = to_int(endpoint.substr(colon + 1));
  if (!slot || *slot < 0 || *slot >= static_cast<int>(kClusterSlotCount) || !port || *port <= 0 ||
      *port > 65535) {
    return std::nullopt;
  }
  Redirect redirect;
  redirect.ask = code == "ASK";
  redirect.slot = static_cast<std::uint16_t>(*slot);
  std::string_view host = endpoint.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  redirect.address.host = host.empty() ? asked.host : std::string(host);
  redirect.address.port = *port;
  return redirect;
}

void add_cluster_nodes_replicas(std::string_view cluster_nodes, const ServerAddress& asked,
                                std::vector<SlotRange>& ranges) {
  // <id> <ip:port@cport[,hostname]> <flags> <master id> <ping> <pong> <epoch> <link> [slots...]
  while (!cluster_nodes.empty()) {
    const auto eol = cluster_nodes.find('\n');
    std::string_view line = cluster_nodes.substr(0, eol);
    cluster_nodes = eol == std::string_view::npos ? std::string_view() : cluster_nodes.substr(eol + 1);
    std::vector<std::string_view> fields;
    while (!line.empty() && fields.size() < 4) {
      const auto sp = line.find(' ');
      fields.push_back(line.substr(0, sp));
      line = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
    }
    if (fields.size() < 4) continue;
    const std::string_view flags = fields[2];
    if (flags.find("slave") == std::string_view::npos || flags.find("fail") != std::string_view::npos ||
        flags.find("noaddr") != std::string_view::npos) {
      continue;
    }
    const std::string_view endpoint = fields[1].substr(0, fields[1].find('@'));
    const auto colon = endpoint.rfind(':');
    if (colon == std::string_view::npos) continue;
    ServerAddress replica;
    replica.host = colon == 0 ? asked.host : std::string(endpoint.substr(0, colon));
    const std::string_view port = endpoint.substr(colon + 1);
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), replica.port);
    if (ec != std::errc() || end != port.data() + port.size() || replica.port <= 0) continue;
    for (SlotRange& range : ranges) {
      if (range.node_id != fields[3]) continue;
      if (std::find(range.replicas.begin(), range.replicas.end(), replica) == range.replicas.end()) {
        range.replicas.push_back(replica);
      }
    }
  }
}

SlotMap::SlotMap(const std::vector<SlotRange>& ranges) {
  for (const SlotRange& range : ranges) {
    const auto owner = static_cast<std::uint16_t>(index_of(range.master));
    std::fill(owner_.begin() + range.first, owner_.begin() + range.last + 1, owner);
    for (const ServerAddress& replica : range.replicas) {
      if (std::find(known_.begin(), known_.end(), replica) == known_.end()) {
        known_.push_back(replica);
      }
      auto& mine = replicas_[owner];
      if (std::find(mine.begin(), mine.end(), replica) == mine.end()) mine.push_back(replica);
    }
  }
}

std::size_t SlotMap::index_of(const ServerAddress& address) {
  const auto it = std::find(masters_.begin(), masters_.end(), address);
  if (it != masters_.end()) return static_cast<std::size_t>(it - masters_.begin());
  masters_.push_back(address);
  replicas_.emplace_back();
  if (std::find(known_.begin(), known_.end(), address) == known_.end()) known_.push_back(address);
  return masters_.size() - 1;
}

const ServerAddress* SlotMap::master_for(std::uint16_t slot) const noexcept {
  if (slot >= owner_.size()) return nullptr;
  const std::uint16_t owner = owner_[slot];
  return owner == kNoMaster ? nullptr : &masters_[owner];
}

const std::vector<ServerAddress>& SlotMap::replicas_for(std::uint16_t slot) const noexcept {
  static const std::vector<ServerAddress> kNone;
  if (slot >= owner_.size() || owner_[slot] == kNoMaster) return kNone;
  return replicas_[owner_[slot]];
}

std::size_t SlotMap::unserved_slots() const noexcept {
  return static_cast<std::size_t>(std::count(owner_.begin(), owner_.end(), kNoMaster));
}

}  // namespace lshrs::redis
