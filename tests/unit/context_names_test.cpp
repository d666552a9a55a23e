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
              (std::vector<std::string>{"mysql", "-p<redacted>", "--password", "<redacted>", "--user", "root", "-token",
                                        "<redacted>", "TOKEN=<redacted>", "--token"}));
}

// The environment of `env` after redaction, with the last entry cut when `truncated`.
std::vector<std::string> redacted_env(std::vector<std::string> env, bool truncated = false) {
    ExecEvent exec;
    exec.context.env = std::move(env);
    exec.context.env_truncated = truncated;
    Event event{exec};
    Redactor().apply(event);
    return *std::get<ExecEvent>(event).context.env;
}

// The arguments of a program after --redact-args, with the last one cut when `truncated`.
std::vector<std::string> redacted_argv(std::vector<std::string> argv, bool truncated = false,
                                       std::string filename = "/bin/true") {
    ExecEvent exec;
    exec.filename = std::move(filename);
    exec.argv = std::move(argv);
    exec.argv_truncated = truncated;
    Event event{exec};
    Redactor({}, /*arguments=*/true).apply(event);
    return std::get<ExecEvent>(event).argv;
}

TEST(Redactor, MoreSecretNames) {
    EXPECT_EQ(redacted_env({"SSHPASS=a", "DOCKER_AUTH_CONFIG={\"auths\":{}}", "AZURE_STORAGE_CONNECTION_STRING=b",
                            "SLACK_WEBHOOK_URL=https://h/T/B/c", "GITLAB_WEBHOOK=d", "SENTRY_DSN=https://e@s/1",
                            "DB_DSN=f", "DBPASS=g", "PGPASS=h", "PASS=i"}),
              (std::vector<std::string>{"SSHPASS=<redacted>", "DOCKER_AUTH_CONFIG=<redacted>",
                                        "AZURE_STORAGE_CONNECTION_STRING=<redacted>", "SLACK_WEBHOOK_URL=<redacted>",
                                        "GITLAB_WEBHOOK=<redacted>", "SENTRY_DSN=<redacted>", "DB_DSN=<redacted>",
                                        "DBPASS=<redacted>", "PGPASS=<redacted>", "PASS=<redacted>"}));
    EXPECT_EQ(redacted_env({"PGPASSFILE=/home/u/.pgpass", "SSH_AUTH_SOCK=/run/a", "PWD=/home/u"}),
              (std::vector<std::string>{"PGPASSFILE=/home/u/.pgpass", "SSH_AUTH_SOCK=/run/a", "PWD=/home/u"}))
        << "a file or socket that leads to a secret is not one";
}

TEST(Redactor, ConnectionStrings) {
    EXPECT_EQ(redacted_env({"DB=Server=db;Database=x;User Id=u;Password=p w;", "ODBC=Driver=x;UID=u;PWD=p2",
                            "STORE=DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k==;EndpointSuffix=s",
                            "BUS=Endpoint=sb://n/;SharedAccessKeyName=r;SharedAccessKey=k2", "ONE=password=p3",
                            "COLORS=rs=0:di=01;34:ln=01;36"}),
              (std::vector<std::string>{
                  "DB=Server=db;Database=x;User Id=u;Password=<redacted>;", "ODBC=Driver=x;UID=u;PWD=<redacted>",
                  "STORE=DefaultEndpointsProtocol=https;AccountName=a;AccountKey=<redacted>;"
                  "EndpointSuffix=s",
                  "BUS=Endpoint=sb://n/;SharedAccessKeyName=<redacted>;SharedAccessKey=<redacted>",
                  "ONE=password=<redacted>", "COLORS=rs=0:di=01;34:ln=01;36"}));
}

TEST(Redactor, UrlPasswordsUpToTheLastAt) {
    EXPECT_EQ(redacted_env({"A=postgres://u:p/w@db/x", "B=postgres://u:p#w@db/x", "C=postgres://u:p w@db/x",
                            "D=https://u:p@ss@h/x", "E=https://host:8080/@scope/pkg", "F=https://host/@user",
                            "G=http://a:1@x http://b:2@y", "H=https://u@h:443/x"}),
              (std::vector<std::string>{"A=postgres://u:<redacted>@db/x", "B=postgres://u:<redacted>@db/x",
                                        "C=postgres://u:<redacted>@db/x", "D=https://u:<redacted>@h/x",
                                        "E=https://host:8080/@scope/pkg", "F=https://host/@user",
                                        "G=http://a:<redacted>@x http://b:<redacted>@y", "H=https://u@h:443/x"}));
}

TEST(Redactor, PasswordsWithoutAScheme) {
    EXPECT_EQ(redacted_env({"HTTP_PROXY=user:p@ss@proxy:3128", "GIT=git@github.com:org/repo.git",
                            "HOSTPORT=localhost:8080", "DISPLAY=:0", "MAIL=u@example.org"}),
              (std::vector<std::string>{"HTTP_PROXY=user:<redacted>@proxy:3128", "GIT=git@github.com:org/repo.git",
                                        "HOSTPORT=localhost:8080", "DISPLAY=:0", "MAIL=u@example.org"}));
    EXPECT_EQ(redacted_argv({"tool", "u:p@proxy", "--proxy=u:p2@proxy", "scp", "u@h:/x"}),
              (std::vector<std::string>{"tool", "u:<redacted>@proxy", "--proxy=u:<redacted>@proxy", "scp", "u@h:/x"}));
}

// The last value of a list cut at the byte cap: hidden whole when what is left could hold a secret.
TEST(Redactor, CutValues) {
    EXPECT_EQ(redacted_env({"PATH=/bin", "DATABASE_URL=postgres://user:SECRETPART"}, true),
              (std::vector<std::string>{"PATH=/bin", "DATABASE_URL=<redacted>"}));
    EXPECT_EQ(redacted_env({"DATABASE_URL=postgres://user:pa@ss"}, true),
              (std::vector<std::string>{"DATABASE_URL=<redacted>"}))
        << "an '@' before the cut may be the password's";
    EXPECT_EQ(redacted_env({"PROXY=user:SECRETPART"}, true), (std::vector<std::string>{"PROXY=<redacted>"}));
    EXPECT_EQ(redacted_env({"DB=Server=x;Password=SECRETPART"}, true), (std::vector<std::string>{"DB=<redacted>"}));
    EXPECT_EQ(redacted_env({"API_TOKEN=SECRETPART"}, true), (std::vector<std::string>{"API_TOKEN=<redacted>"}));
    EXPECT_EQ(redacted_env({"PATH=/usr/bin:/bi"}, true), (std::vector<std::string>{"PATH=/usr/bin:/bi"}));
    EXPECT_EQ(redacted_env({"URL=postgres://us"}, true), (std::vector<std::string>{"URL=postgres://us"}));
    EXPECT_EQ(redacted_env({"DATABASE_URL=postgres://user:SECRETPART"}, false),
              (std::vector<std::string>{"DATABASE_URL=postgres://user:SECRETPART"}))
        << "whole, a value with no '@' holds no password";
    EXPECT_EQ(redacted_argv({"psql", "postgres://user:SECRETPART"}, true),
              (std::vector<std::string>{"psql", "<redacted>"}));
    EXPECT_EQ(redacted_argv({"psql", "--url=postgres://user:SECRETPART"}, true),
              (std::vector<std::string>{"psql", "--url=<redacted>"}));
    EXPECT_EQ(redacted_argv({"cc", "-o", "out/x"}, true), (std::vector<std::string>{"cc", "-o", "out/x"}));
}

TEST(Redactor, OptionsWhoseNextArgumentIsSecret) {
    EXPECT_EQ(redacted_argv({"tool", "--pass", "a", "-pass", "pass:b", "-passin", "pass:c", "-passout", "pass:d",
                             "--auth", "e", "--basic-auth", "u:f", "--db-pass=g", "--auth=h", "--passphrase", "i"}),
              (std::vector<std::string>{"tool", "--pass", "<redacted>", "-pass", "<redacted>", "-passin", "<redacted>",
                                        "-passout", "<redacted>", "--auth", "<redacted>", "--basic-auth", "<redacted>",
                                        "--db-pass=<redacted>", "--auth=<redacted>", "--passphrase", "<redacted>"}));
}

// "-p" is a password for the programs where it means one, named by argv[0] or by the file run; "-u" is
// curl's user:password.
TEST(Redactor, ShortPasswordOptionsOfPasswordPrograms) {
    EXPECT_EQ(redacted_argv({"mysql", "-u", "root", "-p", "a", "-pb", "db"}),
              (std::vector<std::string>{"mysql", "-u", "root", "-p", "<redacted>", "-p<redacted>", "db"}));
    EXPECT_EQ(redacted_argv({"/usr/bin/mysqldump", "-pa"}),
              (std::vector<std::string>{"/usr/bin/mysqldump", "-p<redacted>"}));
    EXPECT_EQ(redacted_argv({"mariadb", "-pa"}), (std::vector<std::string>{"mariadb", "-p<redacted>"}));
    EXPECT_EQ(redacted_argv({"x", "-p", "a"}, false, "/usr/bin/sshpass"),
              (std::vector<std::string>{"x", "-p", "<redacted>"}));
    EXPECT_EQ(redacted_argv({"sshpass", "-pa", "ssh", "h"}),
              (std::vector<std::string>{"sshpass", "-p<redacted>", "ssh", "h"}));
    EXPECT_EQ(redacted_argv({"curl", "-u", "u:a", "-uu:b", "--user", "u:c", "--proxy-user", "u:d", "-U", "u:e", "x"}),
              (std::vector<std::string>{"curl", "-u", "<redacted>", "-u<redacted>", "--user", "<redacted>",
                                        "--proxy-user", "<redacted>", "-U", "<redacted>", "x"}));
    EXPECT_EQ(redacted_argv({"openssl", "enc", "-k", "a", "-in", "f"}),
              (std::vector<std::string>{"openssl", "enc", "-k", "<redacted>", "-in", "f"}));
}

TEST(Redactor, ShortOptionsOfOtherProgramsKept) {
    for (const std::vector<std::string>& argv : {std::vector<std::string>{"mkdir", "-p", "a/b"},
                                                 {"cp", "-p", "a", "b"},
                                                 {"ssh", "-p", "22", "h"},
                                                 {"psql", "-p", "5432"},
                                                 {"sort", "-u", "f"},
                                                 {"date", "-u"},
                                                 {"tar", "-k", "-xf", "a.tar"}})
        EXPECT_EQ(redacted_argv(argv), argv);
}

}  // namespace
}  // namespace bootstrap
