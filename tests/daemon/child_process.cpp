// Spawns deltascand and the stub scanner for the process-level tests and
// makes sure each one is reaped, whatever the test's outcome.
#include "tests/daemon/child_process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <regex>
#include <string_view>
#include <thread>

extern char** environ;

namespace deltascan::e2e {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

/// How often the tests look at a child: often enough not to slow them down,
/// rarely enough not to compete with the child for the CPU.
constexpr auto poll_step = 20ms;

// The test's environment without DELTASCAN_* variables.
std::vector<std::string> child_environment() {
  std::vector<std::string> result;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text{*entry};
    if (!text.starts_with("DELTASCAN_"))
      result.emplace_back(text);
  }
  return result;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (auto& text : strings)
    result.push_back(text.data());
  result.push_back(nullptr);
  return result;
}

int exit_code(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

} // namespace

// -- child_process ------------------------------------------------------------

child_process::child_process(const std::string& program,
                             const std::vector<std::string>& args,
                             fs::path stdout_file, fs::path stderr_file)
    : stdout_file_{std::move(stdout_file)}, stderr_file_{
                                                std::move(stderr_file)} {
  std::vector<std::string> argv_strings{program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  auto argv = pointers(argv_strings);
  auto env_strings = child_environment();
  auto envp = pointers(env_strings);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO,
                                   stdout_file_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO,
                                   stderr_file_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  // The test runner may block signals; the child must see SIGHUP and
  // SIGTERM with their default dispositions.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  if (posix_spawn(&pid, program.c_str(), &actions, &attributes, argv.data(),
                  envp.data()) == 0)
    pid_ = pid;
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
}

child_process::~child_process() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void child_process::signal(int number) {
  if (pid_ > 0)
    kill(pid_, number);
}

bool child_process::exited() {
  if (status_)
    return true;
  if (pid_ <= 0)
    return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_)
    return false;
  pid_ = -1;
  status_ = exit_code(status);
  return true;
}

std::optional<int>
child_process::wait_for_exit(std::chrono::milliseconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (!exited()) {
    if (pid_ <= 0 || std::chrono::steady_clock::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(poll_step);
  }
  return status_;
}

std::optional<std::uint16_t>
child_process::wait_for_listening(std::chrono::milliseconds bound) {
  static const std::regex announcement{R"(listening on 127\.0\.0\.1:(\d+))"};
  auto deadline = std::chrono::steady_clock::now() + bound;
  for (;;) {
    // Checked before the exit, so a line written just before exiting counts.
    for (const auto& text : {stdout_text(), stderr_text()}) {
      std::smatch match;
      if (std::regex_search(text, match, announcement))
        return static_cast<std::uint16_t>(std::stoul(match[1].str()));
    }
    if (exited() || std::chrono::steady_clock::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(poll_step);
  }
}

bool child_process::wait_for_stderr(const std::string& text,
                                    std::chrono::milliseconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (stderr_text().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(poll_step);
  }
  return true;
}

std::optional<int> run_to_exit(const std::string& program,
                               const std::vector<std::string>& args,
                               const scratch_directory& dir, std::string& out,
                               std::string& err,
                               std::chrono::milliseconds bound) {
  static std::atomic<int> runs{0};
  auto n = std::to_string(++runs);
  child_process child{program, args, dir.path() / ("run-" + n + ".out"),
                      dir.path() / ("run-" + n + ".err")};
  if (!child.started())
    return std::nullopt;
  auto code = child.wait_for_exit(bound);
  out = child.stdout_text();
  err = child.stderr_text();
  return code;
}

} // namespace deltascan::e2e
