// Runs deltascand and the stub scanner as real processes, the way an
// operator or a pod does, so tests can check what only a process shows: the
// start-up line, exit codes, and how it reacts to SIGHUP and SIGTERM. Output
// goes to files (in a scratch directory); no child outlives its test.
#pragma once

#include "tests/daemon/scratch_directory.hpp"

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace deltascan::e2e {

/// A child process with stdin from /dev/null and stdout and stderr in files.
/// The destructor kills (SIGKILL) and reaps it if it still runs, so a failed
/// test leaves nothing behind.
class child_process {
public:
  /// Starts `program` with `args`; DELTASCAN_* variables of the test's own
  /// environment are not passed on, so they cannot change a configuration.
  /// `started()` tells whether the spawn worked.
  child_process(const std::string& program,
                const std::vector<std::string>& args,
                std::filesystem::path stdout_file,
                std::filesystem::path stderr_file);
  ~child_process();

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  bool started() const { return pid_ > 0 || status_.has_value(); }

  void signal(int number);

  /// Whether the child has exited (reaping it if it has).
  bool exited();

  /// Waits (bounded) for the child to exit: its exit code, or 128 plus the
  /// signal that ended it; none if it still runs after `bound`.
  std::optional<int> wait_for_exit(std::chrono::milliseconds bound);

  /// Waits (bounded) for `listening on 127.0.0.1:PORT` in stdout or stderr
  /// and returns the port; none if the child exits or stays silent.
  std::optional<std::uint16_t>
  wait_for_listening(std::chrono::milliseconds bound);

  /// Waits (bounded) until stderr contains `text`.
  bool wait_for_stderr(const std::string& text,
                       std::chrono::milliseconds bound);

  std::string stdout_text() const { return read_text(stdout_file_); }

  std::string stderr_text() const { return read_text(stderr_file_); }

private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path stdout_file_;
  std::filesystem::path stderr_file_;
};

/// Runs a program to its end (bounded by `bound`, then killed): its exit
/// code, or none when it had to be killed.
std::optional<int> run_to_exit(const std::string& program,
                               const std::vector<std::string>& args,
                               const scratch_directory& dir, std::string& out,
                               std::string& err,
                               std::chrono::milliseconds bound);

} // namespace deltascan::e2e
