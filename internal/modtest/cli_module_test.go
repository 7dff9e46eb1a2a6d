package modtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// raceEnabled is set when the tests run with -race (race_on_test.go).
var raceEnabled bool

// repoRoot is the SDK module's directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.work")); err != nil {
		t.Fatalf("no go.work at the repository root: %v", err)
	}
	return root
}

// TestCLIModule runs the CLI module's tests: "go test ./..." at the root
// does not reach the nested module, so the README's test command would
// otherwise skip them.
func TestCLIModule(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the CLI module's tests (go test ./cmd/opentok/...)")
	}
	args := []string{"test", "-count=1"}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "./cmd/opentok/...")
	cmd := exec.Command("go", args...)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s failed: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("go %s:\n%s", strings.Join(args, " "), out)
}

// TestModuleLayout checks that the SDK's go.mod never gains the CLI's
// library, and that the CLI's go.mod has no replace directive (which
// would break go install .../cmd/opentok@latest).
func TestModuleLayout(t *testing.T) {
	root := repoRoot(t)
	sdk, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range []string{"spf13/cobra", "spf13/pflag"} {
		if strings.Contains(string(sdk), dep) {
			t.Errorf("the SDK's go.mod mentions %s: the CLI's dependencies belong in cmd/opentok/go.mod", dep)
		}
	}
	cli, err := os.ReadFile(filepath.Join(root, "cmd", "opentok", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(cli), "\n") {
		if f := strings.Fields(line); len(f) > 0 && (f[0] == "replace" || strings.HasPrefix(f[0], "replace(")) {
			t.Errorf("cmd/opentok/go.mod has a replace directive (%q): it breaks go install .../cmd/opentok@latest", line)
		}
	}
	if !strings.Contains(string(cli), "module github.com/opentok-go/opentok/cmd/opentok") ||
		!strings.Contains(string(cli), "github.com/spf13/cobra") {
		t.Error("cmd/opentok/go.mod is not the CLI module on cobra")
	}

	// go.work.sum, which go commands in the workspace may write, is
	// ignored: it holds nothing the modules' go.sum files need, and a
	// newcomer's clone should not show it as a change.
	ignore, err := os.ReadFile(filepath.Join(root, ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains("\n"+string(ignore), "\n/go.work.sum\n") {
		t.Error(".gitignore does not ignore /go.work.sum")
	}
	if _, err := exec.LookPath("git"); err == nil {
		if _, err := os.Stat(filepath.Join(root, ".git")); err == nil {
			cmd := exec.Command("git", "check-ignore", "-q", "go.work.sum")
			cmd.Dir = root
			if err := cmd.Run(); err != nil {
				t.Errorf("git does not ignore go.work.sum: %v", err)
			}
		}
	}
}
