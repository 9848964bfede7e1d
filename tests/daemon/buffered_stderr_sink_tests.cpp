// The stderr sink that writes log lines in blocks: stderr is pointed at a
// file for each test, and the file shows what reached it when.
#include "daemon/buffered_stderr_sink.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <spdlog/logger.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

using namespace deltascan;

namespace {

/// Points fd 2 at a fresh file for its lifetime.
class captured_stderr {
public:
  captured_stderr() {
    char name[] = "/tmp/deltascan-stderr-XXXXXX";
    int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    path_ = name;
    saved_ = ::dup(STDERR_FILENO);
    REQUIRE(saved_ >= 0);
    REQUIRE(::dup2(fd, STDERR_FILENO) == STDERR_FILENO);
    ::close(fd);
  }

  ~captured_stderr() {
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    ::unlink(path_.c_str());
  }

  captured_stderr(const captured_stderr&) = delete;
  captured_stderr& operator=(const captured_stderr&) = delete;

  std::string text() const {
    std::ifstream in{path_};
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }

private:
  std::string path_;
  int saved_ = -1;
};

std::shared_ptr<spdlog::logger> make_logger() {
  auto logger = std::make_shared<spdlog::logger>(
      "test", std::make_shared<buffered_stderr_sink>());
  logger->set_pattern("[%l] %v");
  logger->set_level(spdlog::level::debug);
  return logger;
}

} // namespace

TEST_CASE("info lines wait for a warning, a flush or a full block",
          "[logging]") {
  captured_stderr err;
  auto logger = make_logger();
  logger->info("dedup triggered scan 1");
  logger->debug("detail");
  CHECK(err.text().empty());
  logger->warn("scanner breaker opened");
  CHECK(err.text() == "[info] dedup triggered scan 1\n[debug] detail\n"
                      "[warning] scanner breaker opened\n");
  logger->info("after");
  CHECK(err.text().find("after") == std::string::npos);
  logger->flush();
  CHECK(err.text().find("[info] after\n") != std::string::npos);
}

TEST_CASE("a full block is written without a flush", "[logging]") {
  captured_stderr err;
  auto logger = make_logger();
  const std::string line(1000, 'x');
  std::size_t lines = 0;
  while (err.text().empty()) {
    REQUIRE(lines < 2 * buffered_stderr_sink::block_bytes / line.size());
    logger->info(line);
    ++lines;
  }
  // Whole lines only, and about one block of them.
  auto text = err.text();
  CHECK(text.back() == '\n');
  CHECK(text.size() >= buffered_stderr_sink::block_bytes);
  CHECK(text.size() < buffered_stderr_sink::block_bytes + 2 * line.size());
}

TEST_CASE("what is still buffered is written when the sink goes away",
          "[logging]") {
  captured_stderr err;
  {
    auto logger = make_logger();
    logger->info("deltascand stopped");
    CHECK(err.text().empty());
  }
  CHECK(err.text() == "[info] deltascand stopped\n");
}
