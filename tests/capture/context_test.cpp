// The context the kernel side captures at each exec: the directory, terminal, session and login user, the
// rights the exec raised, the kind of file the program came from, and the namespaces. The ground truth is
// what each test's own child did: where it changed to, what it wrote, how the test set up its program.
#include "children.h"
#include "events/names.h"
#include "trace_session.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace bootstrap::testing {
namespace {

TracerConfig own_children() {
    TracerConfig config;
    config.ppid = static_cast<uint32_t>(getpid());
    return config;
}

const ExecEvent* exec_of(TraceSession& session, pid_t pid) {
    return session.wait_for<ExecEvent>(pid);
}

// The exec of `path` by `pid` (a child may exec a helper such as setpriv first).
const ExecEvent* exec_of_program(TraceSession& session, pid_t pid, const std::string& path) {
    auto find = [&]() -> const ExecEvent* {
        for (const ExecEvent* e : session.of<ExecEvent>(pid))
            if (e->filename == path) return e;
        return nullptr;
    };
    session.drain_until([&] { return find() != nullptr; });
    return find();
}

// The kernel's view of /proc/self/ns/NAME: the namespace's inode number.
uint32_t namespace_of_self(const char* name) {
    struct stat st {};
    stat((std::string("/proc/self/ns/") + name).c_str(), &st);
    return static_cast<uint32_t>(st.st_ino);
}

// A working directory of more than 300 bytes, in three components (one may have at most 255).
TEST(Context, WorkingDirectoryIsTheWholePath) {
    REQUIRE_BPF();
    std::string dir = "/tmp/bootstrap-cwd-" + std::to_string(getpid());
    std::string deep = dir + "/" + std::string(100, 'a') + "/" + std::string(100, 'b') + "/" + std::string(100, 'c');
    std::filesystem::create_directories(deep);
    TraceSession session(own_children());
    pid_t pid = spawn([&] {
        if (chdir(deep.c_str()) != 0) return 125;
        execl("/bin/true", "true", static_cast<char*>(nullptr));
        return 127;
    });
    reap(pid);
    const ExecEvent* exec = exec_of(session, pid);
    std::filesystem::remove_all(dir);
    ASSERT_NE(exec, nullptr);
    EXPECT_GT(deep.size(), 300u);
    EXPECT_EQ(exec->context.cwd, deep);
    EXPECT_FALSE(exec->context.cwd_truncated);
}

// A directory the child removed while in it: still its working directory, marked removed. Its parent,
// where the child started, is not.
TEST(Context, WorkingDirectoryRemovedBeforeTheExec) {
    REQUIRE_BPF();
    char base[] = "/tmp/bootstrap-removed-XXXXXX";
    ASSERT_NE(mkdtemp(base), nullptr);
    std::string dir = std::string(base) + "/gone";
    TraceSession session(own_children());
    pid_t removed = spawn([&] {
        if (mkdir(dir.c_str(), 0755) != 0 || chdir(dir.c_str()) != 0 || rmdir(dir.c_str()) != 0) return 125;
        execl("/bin/true", "true", static_cast<char*>(nullptr));
        return 127;
    });
    pid_t kept = spawn([&] {
        if (chdir(base) != 0) return 125;
        execl("/bin/true", "true", static_cast<char*>(nullptr));
        return 127;
    });
    EXPECT_EQ(WEXITSTATUS(reap(removed).status), 0);
    EXPECT_EQ(WEXITSTATUS(reap(kept).status), 0);
    const ExecEvent* removed_exec = exec_of(session, removed);
    const ExecEvent* kept_exec = exec_of(session, kept);
    std::filesystem::remove_all(base);
    ASSERT_NE(removed_exec, nullptr);
    EXPECT_EQ(removed_exec->context.cwd, dir);
    EXPECT_TRUE(removed_exec->context.cwd_deleted);
    ASSERT_NE(kept_exec, nullptr);
    EXPECT_EQ(kept_exec->context.cwd, base);
    EXPECT_FALSE(kept_exec->context.cwd_deleted);
}

// A directory on another mount: the path goes through the mountpoint to the root.
TEST(Context, WorkingDirectoryAcrossAMount) {
    REQUIRE_BPF();
    TraceSession session(own_children());
    pid_t pid = spawn([] {
        if (chdir("/proc/self") != 0) return 125;  // /proc is a mount of its own
        execl("/bin/true", "true", static_cast<char*>(nullptr));
        return 127;
    });
    reap(pid);
    const ExecEvent* exec = exec_of(session, pid);
    ASSERT_NE(exec, nullptr);
    EXPECT_EQ(exec->context.cwd, "/proc/" + std::to_string(pid));
}

// Under script(1) a program has a pseudo-terminal, the one it reports itself; without a controlling
// terminal (a new session) it has none. Its session id is what getsid() told it.
TEST(Context, TerminalAndSession) {
    REQUIRE_BPF();
    std::string tty_file = "/tmp/bootstrap-tty-" + std::to_string(getpid());
    TraceSession session;
    Reaped script = reap(spawn_exec("/usr/bin/script",
                                    {"script", "-qec", "sh -c 'tty > " + tty_file + "; exec /bin/true'", "/dev/null"}));
    ASSERT_EQ(WEXITSTATUS(script.status), 0);
    std::string reported;
    std::ifstream(tty_file) >> reported;
    std::filesystem::remove(tty_file);
    ASSERT_EQ(reported.rfind("/dev/pts/", 0), 0u) << reported;
    const ExecEvent* under_script = nullptr;
    session.drain_until([&] {
        for (const Event& e : session.events())
            if (auto* exec = std::get_if<ExecEvent>(&e); exec && exec->filename == "/bin/true" && exec->context.tty)
                under_script = exec;
        return under_script != nullptr;
    });
    ASSERT_NE(under_script, nullptr);
    EXPECT_EQ(tty_name(*under_script->context.tty), reported.substr(5));

    pid_t alone = spawn([] {
        setsid();
        execl("/bin/true", "true", static_cast<char*>(nullptr));
        return 127;
    });
    reap(alone);
    const ExecEvent* exec = session.wait_for<ExecEvent>(alone);
    ASSERT_NE(exec, nullptr);
    EXPECT_FALSE(exec->context.tty);
    EXPECT_EQ(exec->context.sid, static_cast<uint32_t>(alone)) << "setsid() made it its session's leader";
}

// The audit login uid a child wrote for itself, as a login does; the session id getsid() gives.
TEST(Context, LoginUidAndSessionOfTheChild) {
    REQUIRE_BPF();
    TraceSession session(own_children());
    pid_t pid = spawn([] {
        std::ofstream("/proc/self/loginuid") << 4242;
        execl("/bin/true", "true", static_cast<char*>(nullptr));
        return 127;
    });
    reap(pid);
    const ExecEvent* exec = exec_of(session, pid);
    ASSERT_NE(exec, nullptr);
    EXPECT_EQ(exec->context.auid, 4242u);
    EXPECT_EQ(exec->context.sid, static_cast<uint32_t>(getsid(0))) << "it stayed in the test's session";
    EXPECT_EQ(exec->context.euid, 0u);
}

// A set-user-id root copy run as nobody: uid 65534, euid 0, "setuid". A copy with a file capability run
// as nobody: "file_caps". The plain program as nobody: nothing raised.
TEST(Context, PrivilegesTheExecRaised) {
    REQUIRE_BPF();
    ProgramCopy setuid_copy("/usr/bin/id", "id-setuid");
    ASSERT_EQ(chmod(setuid_copy.path().c_str(), 04755), 0);
    ProgramCopy caps_copy("/usr/bin/id", "id-caps");
    ASSERT_EQ(std::system(("setcap cap_net_raw+ep " + caps_copy.path()).c_str()), 0);
    TraceSession session;
    auto as_nobody = [](const std::string& path) {
        return reap(spawn_exec("/usr/bin/setpriv",
                               {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", path}))
            .pid;
    };
    pid_t setuid_run = as_nobody(setuid_copy.path());
    pid_t caps_run = as_nobody(caps_copy.path());
    pid_t plain_run = as_nobody("/usr/bin/id");

    auto exec_of_program = [&](pid_t pid, const std::string& path) -> const ExecEvent* {
        session.drain_until([&] {
            for (const ExecEvent* e : session.of<ExecEvent>(pid))
                if (e->filename == path) return true;
            return false;
        });
        for (const ExecEvent* e : session.of<ExecEvent>(pid))
            if (e->filename == path) return e;
        return nullptr;
    };
    const ExecEvent* setuid_exec = exec_of_program(setuid_run, setuid_copy.path());
    ASSERT_NE(setuid_exec, nullptr);
    EXPECT_EQ(setuid_exec->proc.uid, 65534u);
    EXPECT_EQ(setuid_exec->context.euid, 0u);
    EXPECT_EQ(privileges_raised(setuid_exec->context), (std::vector<std::string>{"setuid"}));
    EXPECT_TRUE(privileges_lowered(setuid_exec->context).empty());

    const ExecEvent* caps_exec = exec_of_program(caps_run, caps_copy.path());
    ASSERT_NE(caps_exec, nullptr);
    EXPECT_EQ(caps_exec->context.euid, 65534u);
    EXPECT_EQ(privileges_raised(caps_exec->context), (std::vector<std::string>{"file_caps"}));

    const ExecEvent* plain_exec = exec_of_program(plain_run, "/usr/bin/id");
    ASSERT_NE(plain_exec, nullptr);
    EXPECT_TRUE(privileges_raised(plain_exec->context).empty());
    EXPECT_FALSE(plain_exec->context.exe_memfd || plain_exec->context.exe_deleted ||
                 plain_exec->context.exe_upper_layer);
}

// A capability only in the permitted set (no +e) is a gift too: the program can make it effective and
// become root. A copy with cap_setuid,cap_setgid+p run as nobody: "file_caps".
TEST(Context, PermittedOnlyFileCapabilitiesRaisePrivileges) {
    REQUIRE_BPF();
    ProgramCopy caps_copy("/usr/bin/id", "id-permitted");
    ASSERT_EQ(std::system(("setcap cap_setuid,cap_setgid+p " + caps_copy.path()).c_str()), 0);
    TraceSession session;
    pid_t run = reap(spawn_exec("/usr/bin/setpriv", {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                                     "--", caps_copy.path()}))
                    .pid;
    const ExecEvent* exec = exec_of_program(session, run, caps_copy.path());
    ASSERT_NE(exec, nullptr);
    EXPECT_EQ(exec->proc.uid, 65534u);
    EXPECT_EQ(exec->context.euid, 65534u);
    EXPECT_EQ(privileges_raised(exec->context), (std::vector<std::string>{"file_caps"}));
}

// Root running a program that is set-user-id to nobody: the exec lowered its privileges, raised nothing.
TEST(Context, RootRunningASetuidNobodyProgramLowersPrivileges) {
    REQUIRE_BPF();
    ProgramCopy nobody_copy("/usr/bin/id", "id-setuid-nobody");
    ASSERT_EQ(chown(nobody_copy.path().c_str(), 65534, 65534), 0);
    ASSERT_EQ(chmod(nobody_copy.path().c_str(), 04755), 0);
    TraceSession session;
    pid_t run = reap(spawn_exec(nobody_copy.path(), {"id"})).pid;  // as this test: root
    const ExecEvent* exec = exec_of_program(session, run, nobody_copy.path());
    ASSERT_NE(exec, nullptr);
    EXPECT_EQ(exec->proc.uid, 0u);
    EXPECT_EQ(exec->context.euid, 65534u);
    EXPECT_TRUE(privileges_raised(exec->context).empty());
    EXPECT_EQ(privileges_lowered(exec->context), (std::vector<std::string>{"setuid"}));
}

// Root of a user namespace of its own (unshare -r, as rootless containers run) has every capability in it
// at each exec: nothing the exec raised.
TEST(Context, RootOfAUserNamespaceRaisesNothing) {
    REQUIRE_BPF();
    TraceSession session;
    Reaped run = reap(spawn_exec("/usr/bin/setpriv", {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                                      "--", "/usr/bin/unshare", "--map-root-user", "/bin/true"}));
    if (WEXITSTATUS(run.status) != 0) GTEST_SKIP() << "user namespaces are not open to nobody here";
    const ExecEvent* inside = nullptr;
    session.drain_until([&] {
        for (const ExecEvent* e : session.of<ExecEvent>(run.pid))
            if (e->filename == "/bin/true") inside = e;
        return inside != nullptr;
    });
    ASSERT_NE(inside, nullptr);
    EXPECT_EQ(inside->proc.uid, 65534u);
    EXPECT_TRUE(privileges_raised(inside->context).empty());
}

// Programs that are not (or no longer) files: from a memfd, and from a file unlinked before fexecve.
TEST(Context, ProgramsFromAMemfdAndADeletedFile) {
    REQUIRE_BPF();
    ProgramCopy doomed("/bin/true", "doomed");
    TraceSession session(own_children());
    pid_t from_memfd = spawn([] {
        int memfd = memfd_create("payload", 0);
        std::ifstream program("/bin/true", std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(program)), std::istreambuf_iterator<char>());
        if (write(memfd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) return 125;
        std::string path = "/proc/self/fd/" + std::to_string(memfd);
        execl(path.c_str(), "payload", static_cast<char*>(nullptr));
        return 127;
    });
    pid_t from_deleted = spawn([&] {
        int fd = open(doomed.path().c_str(), O_RDONLY | O_CLOEXEC);
        unlink(doomed.path().c_str());
        char* const argv[] = {const_cast<char*>("doomed"), nullptr};
        fexecve(fd, argv, environ);
        return 127;
    });
    EXPECT_EQ(WEXITSTATUS(reap(from_memfd).status), 0);
    EXPECT_EQ(WEXITSTATUS(reap(from_deleted).status), 0);

    const ExecEvent* memfd_exec = exec_of(session, from_memfd);
    ASSERT_NE(memfd_exec, nullptr);
    EXPECT_TRUE(memfd_exec->context.exe_memfd);
    const ExecEvent* deleted_exec = exec_of(session, from_deleted);
    ASSERT_NE(deleted_exec, nullptr);
    EXPECT_TRUE(deleted_exec->context.exe_deleted);
    EXPECT_FALSE(deleted_exec->context.exe_memfd);
}

// An ordinary file named as memfd_create names its files, unlinked, then executed: a deleted file, not a
// memfd.
TEST(Context, ADeletedFileNamedLikeAMemfdIsNotAMemfd) {
    REQUIRE_BPF();
    ProgramCopy impostor("/bin/true", "memfd:x");
    TraceSession session(own_children());
    pid_t pid = spawn([&] {
        int fd = open(impostor.path().c_str(), O_RDONLY | O_CLOEXEC);
        unlink(impostor.path().c_str());
        char* const argv[] = {const_cast<char*>("impostor"), nullptr};
        fexecve(fd, argv, environ);
        return 127;
    });
    EXPECT_EQ(WEXITSTATUS(reap(pid).status), 0);
    const ExecEvent* exec = exec_of(session, pid);
    ASSERT_NE(exec, nullptr);
    EXPECT_TRUE(exec->context.exe_deleted);
    EXPECT_FALSE(exec->context.exe_memfd);
}

// An overlay mount, as a container's root is: a program copied into it lives in the upper layer; one
// that only the lower layer has does not.
TEST(Context, ProgramInAnOverlayUpperLayer) {
    REQUIRE_BPF();
    std::string dir = "/tmp/bootstrap-overlay-" + std::to_string(getpid());
    for (const char* sub : {"/lower", "/upper", "/work", "/merged"}) std::filesystem::create_directories(dir + sub);
    std::filesystem::copy_file("/bin/true", dir + "/lower/lower-true");
    std::string options = "lowerdir=" + dir + "/lower,upperdir=" + dir + "/upper,workdir=" + dir + "/work";
    if (mount("overlay", (dir + "/merged").c_str(), "overlay", 0, options.c_str()) != 0) {
        std::filesystem::remove_all(dir);
        GTEST_SKIP() << "no overlay file system here";
    }
    std::filesystem::copy_file("/bin/true", dir + "/merged/upper-true");
    TraceSession session(own_children());
    pid_t upper = reap(spawn_exec(dir + "/merged/upper-true", {"upper-true"})).pid;
    pid_t lower = reap(spawn_exec(dir + "/merged/lower-true", {"lower-true"})).pid;
    const ExecEvent* upper_exec = exec_of(session, upper);
    const ExecEvent* lower_exec = exec_of(session, lower);
    umount((dir + "/merged").c_str());
    std::filesystem::remove_all(dir);
    ASSERT_NE(upper_exec, nullptr);
    EXPECT_TRUE(upper_exec->context.exe_upper_layer);
    ASSERT_NE(lower_exec, nullptr);
    EXPECT_FALSE(lower_exec->context.exe_upper_layer);
}

// unshare -p -f --mount-proc: the program is its namespace's first process, in pid and mount namespaces
// other than ours.
TEST(Context, NamespacesOfAProgramInItsOwnPidNamespace) {
    REQUIRE_BPF();
    TraceSession session;
    Reaped unshare = reap(spawn_exec("/usr/bin/unshare", {"unshare", "--pid", "--fork", "--mount-proc", "/bin/true"}));
    ASSERT_EQ(WEXITSTATUS(unshare.status), 0);
    const ExecEvent* inside = nullptr;
    session.drain_until([&] {
        for (const Event& e : session.events())
            if (auto* exec = std::get_if<ExecEvent>(&e);
                exec && exec->filename == "/bin/true" && exec->proc.ppid == static_cast<uint32_t>(unshare.pid))
                inside = exec;
        return inside != nullptr;
    });
    ASSERT_NE(inside, nullptr);
    EXPECT_EQ(inside->context.ns_pid, 1u);
    EXPECT_NE(inside->context.pid_ns, namespace_of_self("pid"));
    EXPECT_NE(inside->context.mnt_ns, namespace_of_self("mnt"))
        << "--mount-proc mounts /proc in a namespace of its own";

    const ExecEvent* outside = session.wait_for<ExecEvent>(unshare.pid);
    ASSERT_NE(outside, nullptr);
    EXPECT_EQ(outside->context.ns_pid, static_cast<uint32_t>(unshare.pid));
    EXPECT_EQ(outside->context.pid_ns, namespace_of_self("pid"));
    EXPECT_EQ(outside->context.mnt_ns, namespace_of_self("mnt"));
}

}  // namespace
}  // namespace bootstrap::testing
