// The stub scanner as scripts use it: started with port 0, it announces its
// address on stdout, takes a scan submission, and exits 0 on SIGTERM.
#include "tests/net/server_test_support.hpp"

#include <boost/asio/ip/address.hpp>

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <optional>
#include <regex>
#include <string>
#include <vector>

extern char** environ;

using namespace deltascan::net;
using namespace deltascan::net::server_test;

namespace {

/// A child process whose stdout the test reads; killed if still running
/// when the test ends.
class child_process {
public:
  explicit child_process(std::vector<std::string> args) {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    std::vector<char*> argv;
    for (auto& arg : args)
      argv.push_back(arg.data());
    argv.push_back(nullptr);
    auto rc = posix_spawn(&pid_, args.front().c_str(), &actions, nullptr,
                          argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    output_ = fds[0];
    REQUIRE(rc == 0);
  }

  ~child_process() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(output_);
  }

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// The next line of stdout, if one arrives within `patience`.
  std::optional<std::string> read_line() {
    auto deadline = std::chrono::steady_clock::now() + patience;
    for (;;) {
      if (auto end = pending_.find('\n'); end != std::string::npos) {
        auto line = pending_.substr(0, end);
        pending_.erase(0, end + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return std::nullopt;
      pollfd ready{output_, POLLIN, 0};
      if (poll(&ready, 1, static_cast<int>(left.count())) <= 0)
        continue;
      char chunk[256];
      auto n = read(output_, chunk, sizeof chunk);
      if (n <= 0)
        return std::nullopt;
      pending_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  void signal(int number) { kill(pid_, number); }

  /// The exit status, if the process exits normally within `patience`.
  std::optional<int> wait_for_exit() {
    bool reaped = eventually([&] {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) != pid_)
        return false;
      pid_ = -1;
      status_ = status;
      return true;
    });
    if (!reaped || !WIFEXITED(status_))
      return std::nullopt;
    return WEXITSTATUS(status_);
  }

private:
  pid_t pid_ = -1;
  int output_ = -1;
  int status_ = 0;
  std::string pending_;
};

} // namespace

TEST_CASE("the stub scanner binary announces its port and stops on SIGTERM") {
  child_process stub{{DELTASCAN_STUB_SCANNER_BINARY, "--listen", "127.0.0.1:0",
                      "--io-threads", "2", "--log-level", "warn"}};
  auto line = stub.read_line();
  REQUIRE(line);
  std::smatch match;
  REQUIRE(std::regex_match(*line, match,
                           std::regex{R"(listening on 127\.0\.0\.1:(\d+))"}));
  auto port = static_cast<unsigned short>(std::stoul(match[1].str()));
  REQUIRE(port != 0);

  test_client client;
  REQUIRE_FALSE(
      client.connect({boost::asio::ip::make_address("127.0.0.1"), port}));
  auto res = client.exchange(make_request(
      http::verb::post, "/api/v1/scans",
      R"({"image":{"digest":"sha256:abc"},"clientRequestId":"r1"})",
      "application/json"));
  CHECK(res.result() == http::status::accepted);
  auto stats = client.exchange(make_request(http::verb::get, "/stub/stats"));
  CHECK(stats.body() == R"({"received":1,"accepted":1,"failed":0})");

  stub.signal(SIGTERM);
  auto status = stub.wait_for_exit();
  REQUIRE(status);
  CHECK(*status == 0);
}
