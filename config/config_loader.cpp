// Loading deltascand's configuration: the YAML file is walked against the
// catalogue of settings (config_keys), then DELTASCAN_* variables override
// it. Every problem is collected rather than stopping at the first, and
// nothing yaml-cpp throws gets past this file.
#include "config/config_loader.hpp"

#include "config/config_keys.hpp"
#include "config/suggestion.hpp"
#include "config/text_file.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <exception>
#include <set>

extern char** environ;

namespace deltascan {

namespace {

std::string describe_type(const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Map:
    return "a map";
  case YAML::NodeType::Sequence:
    return "a list";
  case YAML::NodeType::Scalar:
    return "a single value";
  default:
    return "nothing";
  }
}

std::string last_segment(std::string_view name) {
  auto dot = name.rfind('.');
  return std::string{dot == std::string_view::npos ? name
                                                   : name.substr(dot + 1)};
}

// Gathers the settings and the problems of one load.
class config_loader {
public:
  explicit config_loader(std::string_view source_name)
      : source_name_{source_name} {
    // nop
  }

  void read_yaml(std::string_view yaml) {
    std::vector<YAML::Node> documents;
    try {
      documents = YAML::LoadAll(std::string{yaml});
    } catch (const YAML::ParserException& e) {
      errors_.push_back("invalid YAML in " + source_name_ + " at line " +
                        std::to_string(e.mark.line + 1) + ", column " +
                        std::to_string(e.mark.column + 1) + ": " + e.msg);
      return;
    } catch (const std::exception& e) {
      errors_.push_back("invalid YAML in " + source_name_ + ": " + e.what());
      return;
    }
    // An empty file, or one holding only comments, has no document.
    if (documents.empty())
      return;
    if (documents.size() > 1) {
      errors_.push_back(source_name_ + ": expected one YAML document, found " +
                        std::to_string(documents.size()));
      return;
    }
    const auto& root = documents.front();
    if (root.IsNull())
      return;
    if (!root.IsMap()) {
      errors_.push_back(source_name_ +
                        ": expected a map of sections at the top level, got " +
                        describe_type(root) + location(root));
      return;
    }
    try {
      read_section(root, "");
    } catch (const std::exception& e) {
      // Walking a parsed document should not throw; if yaml-cpp does, the
      // file is still reported rather than the daemon crashing.
      errors_.push_back(source_name_ +
                        ": cannot read the document: " + e.what());
    }
  }

  void read_environment(const environment_map& env) {
    for (const auto& [variable, value] : env) {
      if (!std::string_view{variable}.starts_with(config_env_prefix))
        continue;
      if (const auto* key = find_config_key_by_env(variable)) {
        if (auto problem = key->assign(value, cfg_))
          errors_.push_back(variable + " (" + key->name + "): " + *problem);
        continue;
      }
      warnings_.push_back(variable + ": ignored, no setting has this name" +
                          env_suggestion(variable));
    }
  }

  void add_error(std::string message) { errors_.push_back(std::move(message)); }

  config_result finish() && {
    check_combinations();
    config_result result;
    if (errors_.empty())
      result.config = std::move(cfg_);
    result.errors = std::move(errors_);
    result.warnings = std::move(warnings_);
    return result;
  }

private:
  // Settings that are valid alone but not together.
  void check_combinations() {
    const auto& server_tls = cfg_.server.tls;
    if (server_tls.cert_file.empty() != server_tls.key_file.empty())
      errors_.push_back("server.tls.cert_file and server.tls.key_file: "
                        "give both or neither");
    if (!server_tls.client_ca_file.empty() && server_tls.cert_file.empty())
      errors_.push_back("server.tls.client_ca_file: needs "
                        "server.tls.cert_file and server.tls.key_file, "
                        "mutual TLS is a part of TLS");
    const auto& scanner_tls = cfg_.scanner.tls;
    if (scanner_tls.cert_file.empty() != scanner_tls.key_file.empty())
      errors_.push_back("scanner.tls.cert_file and scanner.tls.key_file: "
                        "give both or neither");
    auto any_scanner_tls = !scanner_tls.ca_file.empty() ||
                           !scanner_tls.cert_file.empty() ||
                           !scanner_tls.key_file.empty();
    if (any_scanner_tls && cfg_.scanner.url.scheme != "https")
      errors_.push_back("scanner.tls.*: set, but scanner.url " +
                        to_string(cfg_.scanner.url) +
                        " is not https, so they would be ignored");
    if (cfg_.server.max_pending_events < cfg_.server.max_batch_events)
      errors_.push_back("server.max_pending_events: " +
                        std::to_string(cfg_.server.max_pending_events) +
                        " is below server.max_batch_events (" +
                        std::to_string(cfg_.server.max_batch_events) +
                        "), so a full batch could never be taken");
    const auto& retry = cfg_.scanner.retry;
    if (retry.initial_backoff > retry.max_backoff)
      errors_.push_back("scanner.retry.initial_backoff_ms: " +
                        std::to_string(retry.initial_backoff.count()) +
                        " is above scanner.retry.max_backoff_ms (" +
                        std::to_string(retry.max_backoff.count()) + ")");
    for (auto [name, bucket] :
         {std::pair{"ingress.rate_limit.per_node",
                    cfg_.ingress.rate_limit.per_node},
          std::pair{"ingress.rate_limit.per_tenant",
                    cfg_.ingress.rate_limit.per_tenant}}) {
      if (bucket.enabled() && bucket.burst == 0)
        errors_.push_back(std::string{name} +
                          ".burst: must be at least 1 when .rate is set");
    }
  }

  // Where a node sits in the file, as ` (file:line:column)`.
  std::string location(const YAML::Node& node) const {
    auto mark = node.Mark();
    if (mark.is_null())
      return {};
    return " (" + source_name_ + ":" + std::to_string(mark.line + 1) + ":" +
           std::to_string(mark.column + 1) + ")";
  }

  void read_section(const YAML::Node& section, const std::string& prefix) {
    std::set<std::string> seen;
    for (const auto& entry : section) {
      const auto& key_node = entry.first;
      const auto& value = entry.second;
      if (!key_node.IsScalar()) {
        errors_.push_back((prefix.empty() ? source_name_ : prefix) +
                          ": expected a key name, got " +
                          describe_type(key_node) + location(key_node));
        continue;
      }
      const auto& key = key_node.Scalar();
      auto name = prefix.empty() ? key : prefix + "." + key;
      if (!seen.insert(key).second) {
        errors_.push_back(name + ": duplicate key" + location(key_node));
        continue;
      }
      // A dotted key would otherwise match a setting by its full name.
      auto dotted = key.find('.') != std::string::npos;
      if (const auto* setting = dotted ? nullptr : find_config_key(name)) {
        read_value(*setting, value);
      } else if (!dotted && is_config_section(name)) {
        if (value.IsMap())
          read_section(value, name);
        else if (!value.IsNull())
          errors_.push_back(name + ": expected a section of keys, got " +
                            describe_type(value) + location(value));
      } else {
        errors_.push_back(name + ": unknown key" + key_suggestion(prefix, key) +
                          location(key_node));
      }
    }
  }

  void read_value(const config_key& setting, const YAML::Node& value) {
    if (value.IsMap() || value.IsSequence()) {
      errors_.push_back(setting.name + ": expected a single value, got " +
                        describe_type(value) + location(value));
      return;
    }
    // An empty value (`key:`) reads as empty text, which only settings
    // that allow empty text accept.
    auto text = value.IsScalar() ? value.Scalar() : std::string{};
    if (auto problem = setting.assign(text, cfg_))
      errors_.push_back(setting.name + ": " + *problem + location(value));
  }

  // A hint for an unknown `key` in section `prefix`: the nearest sibling,
  // or, for a dotted key, the advice to nest it.
  static std::string key_suggestion(const std::string& prefix,
                                    const std::string& key) {
    auto full = prefix.empty() ? key : prefix + "." + key;
    if (key.find('.') != std::string::npos &&
        (find_config_key(full) || is_config_section(full)))
      return " (write dotted names as nested sections)";
    auto siblings = config_children(prefix);
    std::vector<std::string> segments;
    for (const auto& sibling : siblings)
      segments.push_back(last_segment(sibling));
    if (auto match = closest_match(key, segments)) {
      auto i = std::find(segments.begin(), segments.end(), *match);
      return " (did you mean " + siblings[i - segments.begin()] + "?)";
    }
    std::string listing;
    for (const auto& segment : segments)
      listing += (listing.empty() ? "" : ", ") + segment;
    return " (expected one of " + listing + ")";
  }

  static std::string env_suggestion(std::string_view variable) {
    std::vector<std::string> names;
    for (const auto& key : config_keys())
      names.push_back(key.env_name.substr(config_env_prefix.size()));
    auto match =
        closest_match(variable.substr(config_env_prefix.size()), names);
    if (!match)
      return {};
    return " (did you mean " + std::string{config_env_prefix} + *match + "?)";
  }

  std::string source_name_;
  daemon_config cfg_;
  std::vector<std::string> errors_;
  std::vector<std::string> warnings_;
};

} // namespace

environment_map process_environment() {
  environment_map env;
  for (auto** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text = *entry;
    auto equals = text.find('=');
    if (equals == std::string_view::npos)
      continue;
    env.emplace(text.substr(0, equals), text.substr(equals + 1));
  }
  return env;
}

namespace {

config_result load(const std::optional<std::string>& path,
                   std::optional<std::string_view> yaml,
                   std::string_view source_name, const environment_map& env) {
  config_loader loader{source_name};
  if (path) {
    auto file = read_text_file(*path);
    if (file.content)
      loader.read_yaml(*file.content);
    else
      loader.add_error("cannot read configuration file " + *path + ": " +
                       file.error);
  } else if (yaml) {
    loader.read_yaml(*yaml);
  }
  // The variables are checked even when the file is unreadable, so that
  // all problems come out in one go.
  loader.read_environment(env);
  return std::move(loader).finish();
}

// The boundary: only running out of memory can still throw below, and even
// that becomes a reported error rather than a crash at start-up.
config_result load_guarded(const std::optional<std::string>& path,
                           std::optional<std::string_view> yaml,
                           std::string_view source_name,
                           const environment_map& env) {
  try {
    return load(path, yaml, source_name, env);
  } catch (const std::exception& e) {
    config_result result;
    result.errors.push_back("cannot load the configuration from " +
                            std::string{source_name} + ": " + e.what());
    return result;
  }
}

} // namespace

config_result load_config(const std::optional<std::string>& path,
                          const environment_map& env) {
  return load_guarded(path, std::nullopt, path ? *path : "<defaults>", env);
}

config_result load_config_text(std::string_view yaml,
                               std::string_view source_name,
                               const environment_map& env) {
  return load_guarded(std::nullopt, yaml, source_name, env);
}

} // namespace deltascan
