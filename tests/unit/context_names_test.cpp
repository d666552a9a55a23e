// Container ids from cgroup paths, and the redaction of secrets: pure functions, checked on the shapes
// the runtimes and users produce.
#include "events/container.h"
#include "events/redact.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bootstrap {
namespace {

const std::string kId = "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b";

TEST(ContainerId, EachRuntimesCgroupNames) {
    EXPECT_EQ(container_id_of("/system.slice/docker-" + kId + ".scope"), kId);
    EXPECT_EQ(container_id_of("/kubepods.slice/kubepods-pod1.slice/cri-containerd-" + kId + ".scope"), kId);
    EXPECT_EQ(container_id_of("/kubepods.slice/kubepods-besteffort.slice/crio-" + kId + ".scope"), kId);
    EXPECT_EQ(container_id_of("/machine.slice/libpod-" + kId + ".scope/container"), kId);
    EXPECT_EQ(container_id_of("/docker/" + kId), kId);
    EXPECT_EQ(container_id_of("/system.slice/docker-" + kId + ".scope/init.scope"), kId) << "systemd inside";
}

TEST(ContainerId, NotAContainer) {
    EXPECT_FALSE(container_id_of("/"));
    EXPECT_FALSE(container_id_of("/user.slice/user-1000.slice/session-3.scope"));
    EXPECT_FALSE(container_id_of("/machine.slice/libpod-conmon-" + kId + ".scope")) << "Podman's monitor";
    EXPECT_FALSE(container_id_of("/docker/" + kId.substr(1))) << "63 characters";
    std::string upper = kId;
    upper[0] = 'F';
    EXPECT_FALSE(container_id_of("/docker/" + upper));
}

TEST(Redactor, EnvironmentValuesOfSecretNames) {
    Redactor redactor({"corp_*"});
    ExecEvent exec;
    exec.context.env = std::vector<std::string>{"HOME=/root",    "GITHUB_TOKEN=t", "Api_Key=k", "db_password=p",
                                                "MY_SECRET_X=s", "CORP_URL=u",     "NO_EQUALS", "EMPTY_TOKEN="};
    exec.argv = {"cmd", "--password=x"};
    Event event{exec};
    redactor.apply(event);
    const auto& env = *std::get<ExecEvent>(event).context.env;
    EXPECT_EQ(env, (std::vector<std::string>{"HOME=/root", "GITHUB_TOKEN=<redacted>", "Api_Key=<redacted>",
                                             "db_password=<redacted>", "MY_SECRET_X=<redacted>", "CORP_URL=<redacted>",
                                             "NO_EQUALS", "EMPTY_TOKEN=<redacted>"}));
    EXPECT_EQ(std::get<ExecEvent>(event).argv[1], "--password=x") << "arguments only on request";
}

TEST(Redactor, PasswordsInUrlsAndMoreSecretNames) {
    Redactor redactor;
    ExecEvent exec;
    exec.context.env = std::vector<std::string>{"DATABASE_URL=postgres://app:pw1@db:5432/x",
                                                "HTTPS_PROXY=http://u:p%40ss@proxy:3128",
                                                "PLAIN_URL=https://example.org/a:b@c",
                                                "MYSQL_PWD=pw2",
                                                "PWD=/home/u",
                                                "DB_PASS=pw3",
                                                "NPM_CONFIG__AUTH=pw4"};
    Event event{exec};
    redactor.apply(event);
    EXPECT_EQ(*std::get<ExecEvent>(event).context.env,
              (std::vector<std::string>{"DATABASE_URL=postgres://app:<redacted>@db:5432/x",
                                        "HTTPS_PROXY=http://u:<redacted>@proxy:3128",
                                        "PLAIN_URL=https://example.org/a:b@c", "MYSQL_PWD=<redacted>", "PWD=/home/u",
                                        "DB_PASS=<redacted>", "NPM_CONFIG__AUTH=<redacted>"}));
}

TEST(Redactor, ArgumentsOnRequest) {
    Redactor redactor({}, /*arguments=*/true);
    ExecFailedEvent failed;
    failed.argv = {"mysql", "-ppass", "--password", "p2", "--user", "root", "-token", "t", "TOKEN=t3", "--token"};
    Event event{failed};
    redactor.apply(event);
    EXPECT_EQ(std::get<ExecFailedEvent>(event).argv,
              (std::vector<std::string>{"mysql", "-ppass", "--password", "<redacted>", "--user", "root", "-token",
                                        "<redacted>", "TOKEN=<redacted>", "--token"}));
}

}  // namespace
}  // namespace bootstrap
