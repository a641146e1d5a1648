// Package deploy_test validates the deployment files under deploy/ (the Compose file, the
// Kubernetes manifests, the Dockerfile) with tools that run offline, and cross-checks them against
// the code they deploy: the real ccqa binary parses every command line they give it, the
// ConfigMaps carry exactly the repository's policy and rubric, every reference resolves. Each
// check has a bad fixture in testdata/ that proves it can fail.
package deploy_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ccqa/ccqa/warehouse"
)

// repoRoot is the repository, seen from this package's directory (go test runs in it).
const repoRoot = ".."

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	binDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// ccqaBinary builds cmd/ccqa once per test run, so that command lines in the deployment files
// are checked by the real flag parsing: a renamed or removed flag breaks the test.
func ccqaBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "ccqa-deploy-test-")
		if buildErr != nil {
			return
		}
		builtBin = filepath.Join(binDir, "ccqa")
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		cmd := exec.Command(goTool, "build", "-o", builtBin, "./cmd/ccqa")
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/ccqa: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// checkArgs runs the binary with a container's arguments plus --help: the subcommand parses
// every flag before it reaches --help, so an unknown flag or a bad value of a typed flag exits 2
// with the flag's name, while a good command line prints its help and exits 0. The environment
// is emptied so that a developer's CCQA_* variables cannot change the outcome.
func checkArgs(bin string, args []string) error {
	if len(args) == 0 {
		return errors.New("no ccqa subcommand given (the image's CMD is only `help`)")
	}
	cmd := exec.Command(bin, append(append([]string(nil), args...), "--help")...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + os.TempDir()}
	var stderr bytes.Buffer
	cmd.Stdout = &bytes.Buffer{}
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		first, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
		return fmt.Errorf("`ccqa %s` does not parse: %v: %s", strings.Join(args, " "), err, first)
	}
	return nil
}

// flagValue returns the value of --name (or -name, --name=v) in a command line the binary has
// accepted, and whether it was given.
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		trimmed := strings.TrimLeft(a, "-")
		if trimmed == a { // not a flag
			continue
		}
		if k, v, ok := strings.Cut(trimmed, "="); ok && k == name {
			return v, true
		}
		if trimmed == name && i+1 < len(args) {
			return args[i+1], true
		}
	}
	return "", false
}

// listenPort is the port of a listen address such as ":9464" or "0.0.0.0:8080".
func listenPort(addr string) (int, error) {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(p)
}

var envNameRe = regexp.MustCompile(`"(CCQA_[A-Z0-9_]+)"`)

var (
	envOnce  sync.Once
	knownEnv map[string]bool
	envErr   error
)

// ccqaEnvVars is every CCQA_* variable the binary reads: the string literals of that form in
// cmd/ccqa's non-test sources. A variable set in a deployment file that no code reads is a typo
// or a leftover, and would silently leave a default in place.
func ccqaEnvVars(t *testing.T) map[string]bool {
	t.Helper()
	envOnce.Do(func() {
		files, err := filepath.Glob(filepath.Join(repoRoot, "cmd", "ccqa", "*.go"))
		if err != nil {
			envErr = err
			return
		}
		knownEnv = map[string]bool{}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				envErr = err
				return
			}
			for _, m := range envNameRe.FindAllSubmatch(b, -1) {
				knownEnv[string(m[1])] = true
			}
		}
		if len(knownEnv) == 0 {
			envErr = errors.New("found no CCQA_* variables in cmd/ccqa")
		}
	})
	if envErr != nil {
		t.Fatal(envErr)
	}
	return knownEnv
}

// fileEnvVars are the ccqa variables whose value is a path the process opens at start.
var fileEnvVars = map[string]bool{
	"CCQA_CLICKHOUSE_PASSWORD_FILE": true,
	"CCQA_USERS":                    true,
	"CCQA_POLICY":                   true,
	"CCQA_RUBRIC":                   true,
}

// problems collects the findings of one validation run; the tests assert on the list, so a
// bad fixture can be checked for the one problem it was made to have.
type problems []string

func (p *problems) addf(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p problems) String() string {
	s := append([]string(nil), p...)
	sort.Strings(s)
	return strings.Join(s, "\n")
}

// readWant reads the substring a bad fixture's validation must report (want.txt, one line). With -v the tests log everything a fixture reported, to see that it broke only the one thing.
func readWant(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "want.txt"))
	if err != nil {
		t.Fatal(err)
	}
	w := strings.TrimSpace(string(b))
	if w == "" {
		t.Fatalf("%s/want.txt is empty", dir)
	}
	return w
}

// TestDockerfile checks what the other files rely on: the Go version is at least go.mod's (the
// golang image refuses a newer module with GOTOOLCHAIN=local), the binary is built from cmd/ccqa
// and is the entrypoint at the path the manifests assume, and the user is numeric and not root
// (Kubernetes' runAsNonRoot can only verify a numeric user).
func TestDockerfile(t *testing.T) {
	df, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	if goLine == nil {
		t.Fatal("go.mod has no go line")
	}
	arg := regexp.MustCompile(`(?m)^ARG GO_VERSION=(\S+)$`).FindSubmatch(df)
	if arg == nil {
		t.Fatal("Dockerfile: no ARG GO_VERSION=…")
	}
	if compareVersions(string(arg[1]), string(goLine[1])) < 0 {
		t.Errorf("Dockerfile GO_VERSION %s is older than go.mod's go %s", arg[1], goLine[1])
	}
	for _, want := range []string{
		"FROM golang:${GO_VERSION}-",
		"go build -trimpath -ldflags=\"-s -w\" -o /out/ccqa ./cmd/ccqa",
		"COPY --from=build /out/ccqa /usr/local/bin/ccqa",
		"ENTRYPOINT [\"/usr/local/bin/ccqa\"]",
	} {
		if !bytes.Contains(df, []byte(want)) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	user := regexp.MustCompile(`(?m)^USER (\d+)(?::(\d+))?$`).FindSubmatch(df)
	if user == nil || string(user[1]) == "0" {
		t.Errorf("Dockerfile: the last stage must run as a numeric non-root USER")
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "cmd", "ccqa", "main.go")); err != nil {
		t.Errorf("Dockerfile builds ./cmd/ccqa: %v", err)
	}
}

// compareVersions compares dotted numeric versions such as 1.26 and 1.26.8.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"1.26.8", "1.26.8", 0}, {"1.26", "1.26.8", -1}, {"1.27.0", "1.26.8", 1}, {"1.26.10", "1.26.9", 1},
	} {
		if got := compareVersions(c.a, c.b); got != c.want {
			t.Errorf("compareVersions(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestFlagValue(t *testing.T) {
	args := []string{"ingest", "--metrics-addr", ":9464", "-partitions=12", "--create-topics=false"}
	for _, c := range []struct {
		name, want string
		ok         bool
	}{
		{"metrics-addr", ":9464", true}, {"partitions", "12", true}, {"create-topics", "false", true}, {"group", "", false},
	} {
		got, ok := flagValue(args, c.name)
		if got != c.want || ok != c.ok {
			t.Errorf("flagValue(%s) = %q, %v; want %q, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

// checkConnection checks the connection variables of a ccqa process the way the binary will:
// the ClickHouse address and database with warehouse.Options.Validate, every broker as host:port.
func checkConnection(vars map[string]string) error {
	o := warehouse.Options{Addr: vars["CCQA_CLICKHOUSE"], Database: vars["CCQA_DATABASE"]}
	if err := o.Validate(); err != nil {
		return fmt.Errorf("CCQA_CLICKHOUSE/CCQA_DATABASE: %w", err)
	}
	if b, ok := vars["CCQA_BROKERS"]; ok {
		for _, a := range strings.Split(b, ",") {
			if _, _, err := net.SplitHostPort(a); err != nil {
				return fmt.Errorf("CCQA_BROKERS %q: %w", a, err)
			}
		}
	}
	return nil
}
