#pragma once
// Which queue to read: a layout (whose key schema is the framework's own) plus a name and
// options, from `--queue LAYOUT:NAME[,option=value...]`, a profile's `queue:` block, or the
// seed's `--key-prefix` (DESIGN.md §5b).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace YAML {
class Node;
}

namespace graflow::queues {

enum class Layout { graflow, list, zset, stream, celery, rq, sidekiq, bullmq };

// "graflow", "list", ... as written on the command line and in metrics.
std::string_view layout_name(Layout layout);
// The layout called `name`, or nothing.
std::optional<Layout> layout_from_name(std::string_view name);

struct QueueSpec {
  Layout layout = Layout::graflow;
  std::string name;                 // key prefix (graflow), key (list/zset/stream), queue name (others)
  std::string id;                   // the queue's identity in metrics; default: name
  std::vector<std::string> keys;    // list/zset/stream: keys summed (default: {name})
  std::string prefix = "bull";      // bullmq
  std::string global_keyprefix;     // celery (kombu's transport option)
  std::vector<int> steps{0, 3, 6, 9}; // celery: kombu's priority_steps
  std::string group;                // stream: consumer group (empty: plain XLEN)
};

// The seed's layout for `--key-prefix prefix`: the list <prefix>:queue.
QueueSpec graflow_queue(const std::string& key_prefix);

// Parses `LAYOUT:NAME[,option=value...]`. Throws a usage Error saying exactly what is wrong
// (unknown layout with a hint, unknown option for the layout, bad id, bad steps, ...).
QueueSpec parse_queue_spec(std::string_view text);

// Reads a profile's `queue:` node: either the same string as --queue, or a map
// {layout, name, id, keys (list or a+b), prefix, global_keyprefix, steps (list), group}.
// `where` prefixes messages (e.g. "graflow.yaml: profile prod: queue"). Throws a usage Error.
QueueSpec queue_spec_from_yaml(const YAML::Node& node, const std::string& where);

// Throws a usage Error when two queues share an id (graflow queues: the same key prefix).
void check_unique_ids(const std::vector<QueueSpec>& specs);

// The main key of a queue, for output: <prefix>:queue, the key(s) joined with +, the celery
// queue's step-0 list, rq:queue:NAME, queue:NAME, <prefix>:NAME:wait.
std::string main_key(const QueueSpec& spec);

// The spec as `--queue` takes it, options only where they differ from the defaults
// ("celery:tasks,id=work,steps=0,5"); parse_queue_spec(spec_text(s)) gives s back. The
// graflow layout is "graflow:PREFIX".
std::string spec_text(const QueueSpec& spec);

// Every fixed key the layout reads for this queue, in reading order (not the per-job keys
// read for the oldest age, nor Sidekiq's per-process hashes): what `profiles show` lists.
std::vector<std::string> watched_keys(const QueueSpec& spec);

} // namespace graflow::queues
