package modtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRedisReplayModule runs the tests of contrib/redisreplay, a module of
// its own outside the workspace (go-redis needs Go 1.26; GOWORK=off). Its
// Redis tests skip unless REDIS_ADDR names a redis-server (.ci/run starts
// one and sets REDISREPLAY_REQUIRE_REDIS, which turns a skip into a
// failure); the others run everywhere.
func TestRedisReplayModule(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the tests of contrib/redisreplay")
	}
	args := []string{"test", "-count=1"}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "./...")
	cmd := exec.Command("go", args...)
	cmd.Dir = filepath.Join(repoRoot(t), "contrib", "redisreplay")
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-buildvcs=false")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s (contrib/redisreplay) failed: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("go %s (contrib/redisreplay):\n%s", strings.Join(args, " "), out)
}

// TestRedisReplayModuleLayout checks that the SDK's go.mod never gains the
// Redis client, and that the contrib module ties itself to this tree's SDK
// with a replace directive of its own (it is not in go.work).
func TestRedisReplayModuleLayout(t *testing.T) {
	root := repoRoot(t)
	sdk, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sdk), "go-redis") {
		t.Error("the SDK's go.mod mentions go-redis: it belongs in contrib/redisreplay/go.mod")
	}
	mod, err := os.ReadFile(filepath.Join(root, "contrib", "redisreplay", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"module github.com/opentok-go/opentok/contrib/redisreplay",
		"github.com/redis/go-redis/v9 v9.23.0", "replace github.com/opentok-go/opentok => ../.."} {
		if !strings.Contains(string(mod), want) {
			t.Errorf("contrib/redisreplay/go.mod lacks %q", want)
		}
	}
	work, err := os.ReadFile(filepath.Join(root, "go.work"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(work), "contrib") {
		t.Error("go.work uses contrib/redisreplay: it needs Go 1.26, the workspace stays on the SDK's Go 1.25")
	}
}
