#include "apps/usage.hpp"

#include <CLI/Option.hpp>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>
#include <vector>

namespace tapstack {
namespace {

// root, then each subcommand the parse selected, deepest last.
std::vector<const CLI::App*> parse_chain(const CLI::App& root) {
  std::vector<const CLI::App*> chain{&root};
  for (;;) {
    const auto subs = chain.back()->get_subcommands();
    if (subs.empty()) return chain;
    chain.push_back(subs.front());
  }
}

std::string path_of(const std::vector<const CLI::App*>& chain, std::size_t last) {
  std::string path;
  for (std::size_t i = 0; i <= last; ++i) path += (i ? " " : "") + chain[i]->get_name();
  return path;
}

std::vector<const CLI::App*> visible_subcommands(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty() && !s->get_name().empty(); });
}

std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty() || opt == app.get_help_ptr()) continue;  // hidden, or not worth suggesting
    for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
    for (const auto& s : opt->get_snames()) names.push_back("-" + s);
  }
  return names;
}

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
// neighbours each count 1, so "rnu" is 1 away from "run".
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// " (did you mean X?)" for the one candidate closest to word, when it is close enough to be a typo.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    const bool prefix = word.size() >= 3 && c.starts_with(word);
    const std::size_t bound = std::max<std::size_t>(1, std::min<std::size_t>(2, c.size() / 3));
    if ((d <= bound || prefix) && (!best || d < best_distance)) {
      best = c;
      best_distance = d;
    }
  }
  return best ? " (did you mean " + *best + "?)" : std::string();
}

// An option of app whose name the message mentions (CLI11 puts it in different places in
// different errors); the longest such name, so that --icmp-ratemask beats --icmp-ratelimit's
// prefix. Positionals are matched by their name (INPUT).
const CLI::Option* option_in_message(const CLI::App& app, std::string_view message) {
  const CLI::Option* best = nullptr;
  std::size_t best_len = 0;
  auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_'; };
  for (const CLI::Option* opt : app.get_options()) {
    std::vector<std::string> names;
    for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
    for (const auto& s : opt->get_snames()) names.push_back("-" + s);
    if (opt->get_positional()) names.push_back(opt->get_name(true));
    for (const auto& n : names) {
      for (std::size_t at = message.find(n); at != std::string_view::npos; at = message.find(n, at + 1)) {
        const bool starts = at == 0 || !word_char(message[at - 1]);
        const bool ends = at + n.size() == message.size() || !word_char(message[at + n.size()]);
        if (starts && ends && n.size() > best_len) {
          best = opt;
          best_len = n.size();
        }
      }
    }
  }
  return best;
}

std::string display_name(const CLI::Option& opt) { return opt.get_positional() ? opt.get_name(true) : opt.get_name(); }

bool is_flag(const CLI::Option& opt) { return opt.get_expected_max() == 0; }

// " (IP/PREFIX)", the type name the help shows, when there is one.
std::string type_hint(const CLI::Option& opt) {
  const std::string t = opt.get_type_name();
  return t.empty() ? std::string() : " (" + t + ")";
}

std::string lower_first(std::string s) {
  if (s.size() >= 2 && std::isupper(static_cast<unsigned char>(s[0])) && !std::isupper(static_cast<unsigned char>(s[1])))
    s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

struct Blame {
  std::size_t depth;  // index into the chain of the command the error belongs to
  std::string message;
};

// An argument that no option or positional of chain[depth] took.
std::string unexpected_argument(const std::vector<const CLI::App*>& chain, std::size_t depth, const std::string& arg) {
  const CLI::App& app = *chain[depth];
  const std::string path = path_of(chain, depth);
  if (arg.size() > 1 && arg[0] == '-') {
    const std::string name = arg.substr(0, arg.find('='));
    // An option of a command given before the command: `tapstack --ip 10.0.0.2 run`.
    std::string owners;
    for (const CLI::App* sub : visible_subcommands(app)) {
      const auto names = option_names(*sub);
      if (std::find(names.begin(), names.end(), name) != names.end())
        owners += (owners.empty() ? "" : ", ") + sub->get_name();
    }
    if (!owners.empty()) return name + " is an option of " + owners + ": put it after the command";
    return "unknown option " + name + did_you_mean(name, option_names(app)) + "; `" + path + " --help` lists them";
  }
  const auto subs = visible_subcommands(app);
  if (!subs.empty() && app.get_subcommands().empty()) {
    std::vector<std::string> names;
    for (const CLI::App* s : subs) names.push_back(s->get_name());
    return "'" + arg + "' is not a " + path + " command" + did_you_mean(arg, names) + "; commands: " +
           subcommand_list(app);
  }
  return "unexpected argument '" + arg + "'; `" + path + " --help` shows what it takes";
}

std::optional<Blame> leftover_argument(const std::vector<const CLI::App*>& chain) {
  for (std::size_t depth = 0; depth < chain.size(); ++depth) {
    const auto left = chain[depth]->remaining(false);
    if (!left.empty()) return Blame{depth, unexpected_argument(chain, depth, left.front())};
  }
  return std::nullopt;
}

// The deepest command in chain with an option the message names.
std::optional<std::pair<std::size_t, const CLI::Option*>> named_option(const std::vector<const CLI::App*>& chain,
                                                                      std::string_view message) {
  for (std::size_t depth = chain.size(); depth-- > 0;)
    if (const CLI::Option* opt = option_in_message(*chain[depth], message)) return std::pair{depth, opt};
  return std::nullopt;
}

Blame describe(const std::vector<const CLI::App*>& chain, const CLI::ParseError& e) {
  const std::size_t deepest = chain.size() - 1;
  const std::string what = e.what();
  const auto named = named_option(chain, what);

  if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
    if (auto blame = leftover_argument(chain)) return *blame;
    return {deepest, lower_first(what)};
  }
  if (dynamic_cast<const CLI::RequiredError*>(&e)) {
    // A mistyped option or command makes something else look missing: blame the typo.
    if (auto blame = leftover_argument(chain)) return *blame;
    const CLI::App& app = *chain[deepest];
    if (app.get_require_subcommand_min() > 0 && app.get_subcommands().empty())
      return {deepest, "a command is missing; commands: " + subcommand_list(app) + " (`" + path_of(chain, deepest) +
                           " --help` describes them)"};
    if (named) return {named->first, display_name(*named->second) + " is required" + type_hint(*named->second)};
    return {deepest, lower_first(what)};
  }
  if (dynamic_cast<const CLI::ValidationError*>(&e)) {
    // Our checks already say "NAME: what is wrong".
    return {named ? named->first : deepest, what};
  }
  if (dynamic_cast<const CLI::ConversionError*>(&e) && named) {
    const CLI::Option& opt = *named->second;
    std::string value;
    if (!opt.results().empty()) value = opt.results().back();
    else if (const auto eq = what.rfind(" = "); eq != std::string::npos) value = what.substr(eq + 3);
    if (is_flag(opt))
      return {named->first, display_name(opt) + ": '" + value + "' is not a flag value (1 or 0, true or false, yes or no, on or off)"};
    return {named->first, display_name(opt) + ": '" + value + "' is not a valid value" + type_hint(opt)};
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) && named) {
    const CLI::Option& opt = *named->second;
    if (is_flag(opt)) return {named->first, display_name(opt) + " takes no value"};
    return {named->first, display_name(opt) + " needs a value" + type_hint(opt)};
  }
  if (dynamic_cast<const CLI::ExcludesError*>(&e)) {
    if (const auto at = what.find(" excludes "); at != std::string::npos)
      return {deepest, what.substr(0, at) + " and " + what.substr(at + 10) + " cannot be used together"};
  }
  return {named ? named->first : deepest, lower_first(what)};
}

// One line whatever CLI11 put in its message.
std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

std::string command_path(const CLI::App& root) {
  const auto chain = parse_chain(root);
  return path_of(chain, chain.size() - 1);
}

std::string subcommand_list(const CLI::App& app) {
  std::string list;
  for (const CLI::App* s : visible_subcommands(app)) list += (list.empty() ? "" : ", ") + s->get_name();
  return list;
}

std::string usage_error_line(const CLI::App& root, const CLI::ParseError& error) {
  const auto chain = parse_chain(root);
  const Blame blame = describe(chain, error);
  return one_line(path_of(chain, blame.depth) + ": " + blame.message);
}

}  // namespace tapstack
