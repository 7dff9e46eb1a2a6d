package opentok_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestRootPackageCompilesNoneOfTheFake: a program that imports only the SDK
// must not compile the fake (opentoktest) or its WebSocket library.
func TestRootPackageCompilesNoneOfTheFake(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/opentok-go/opentok").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v: %s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps printed too little to check: %q", out)
	}
	for _, d := range deps {
		if strings.Contains(d, "coder/websocket") || strings.HasSuffix(d, "/opentoktest") || strings.Contains(d, "stretchr/testify") {
			t.Errorf("the SDK package compiles %s", d)
		}
	}
}
