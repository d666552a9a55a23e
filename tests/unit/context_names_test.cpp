// Container ids from cgroup paths, and the redaction of secrets: pure functions, checked on the shapes
// the runtimes and users produce.
#include "events/container.h"
#include "events/redact.h"
#include "proc/cgroup_paths.h"

#include <gtest/gtest.h>

#include <sstream>
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

// A cgroup named like a container below a container's own is the outer container's making: the id is
// the outermost one.
TEST(ContainerId, TheOutermostContainer) {
    std::string inner = "b" + kId.substr(1);
    EXPECT_EQ(container_id_of("/system.slice/docker-" + kId + ".scope/docker-" + inner + ".scope"), kId);
    EXPECT_EQ(container_id_of("/docker/" + kId + "/docker/" + inner), kId) << "Docker in Docker";
    EXPECT_EQ(container_id_of("/system.slice/docker-" + kId + ".scope/libpod-conmon-" + inner + ".scope"), kId);
    EXPECT_EQ(container_id_of("/machine.slice/libpod-conmon-" + kId + ".scope/docker-" + inner + ".scope"), inner)
        << "a monitor is not a container";
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

TEST(CgroupMount, FoundInMountinfo) {
    std::istringstream hybrid(
        "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n");
    EXPECT_EQ(cgroup2_mount_in(hybrid), "/sys/fs/cgroup/unified");
    std::istringstream unified("35 24 0:30 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n");
    EXPECT_EQ(cgroup2_mount_in(unified), "/sys/fs/cgroup");
    std::istringstream escaped(
        "50 24 0:30 /system.slice /mnt/a\\040slice rw - cgroup2 cgroup2 rw\n"
        "51 24 0:30 / /mnt/cgroup\\040v2 rw - cgroup2 cgroup2 rw\n");
    EXPECT_EQ(cgroup2_mount_in(escaped), "/mnt/cgroup v2") << "a mount of a cgroup below the root is not one";
    std::istringstream none("30 22 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n");
    EXPECT_EQ(cgroup2_mount_in(none), "");
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
