package conformance

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// exchange is one line of the capture file that the SDK's
// TestCaptureExchanges writes (conformance_capture_test.go in the repository
// root): a request of the SDK and the fake's answer.
type exchange struct {
	Kind            string      `json:"kind"`
	Op              string      `json:"op"`
	Method          string      `json:"method"`
	URL             string      `json:"url"`
	RequestHeaders  http.Header `json:"requestHeaders"`
	RequestBody     string      `json:"requestBody"`
	Status          int         `json:"status"`
	ResponseHeaders http.Header `json:"responseHeaders"`
	ResponseBody    string      `json:"responseBody"`
}

// repoRoot is the SDK's module, two levels up from this package.
const repoRoot = "../.."

// capture runs the SDK's TestCaptureExchanges in the repository root with
// OPENTOK_CONFORMANCE_CAPTURE set to a temporary file and returns the
// exchanges it wrote. go test's cache does not see that dependency on files
// outside this module: run with -count=1.
func capture(t *testing.T) []exchange {
	t.Helper()
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !bytes.Contains(gomod, []byte("module github.com/opentok-go/opentok\n")) {
		t.Fatalf("%s is not the opentok-go module (go.mod: %v)", root, err)
	}
	out := filepath.Join(t.TempDir(), "exchanges.jsonl")
	cmd := exec.Command("go", "test", "-run", "^TestCaptureExchanges$", "-count=1", ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "OPENTOK_CONFORMANCE_CAPTURE="+out)
	if log, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("capturing the exchanges (go test -run TestCaptureExchanges in %s): %v\n%s", root, err, log)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatalf("TestCaptureExchanges wrote no capture file: %v", err)
	}
	defer f.Close()
	var xs []exchange
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for n := 1; sc.Scan(); n++ {
		var x exchange
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&x); err != nil {
			t.Fatalf("capture line %d: %v", n, err)
		}
		if x.Kind == "" || x.Op == "" || x.Method == "" || x.URL == "" || x.Status == 0 {
			t.Fatalf("capture line %d lacks a field: %s", n, sc.Text())
		}
		xs = append(xs, x)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(xs) == 0 {
		t.Fatal("the capture file is empty")
	}
	return xs
}

// String names an exchange in messages.
func (x exchange) String() string {
	return fmt.Sprintf("%s %s %s %s -> %d", x.Kind, x.Op, x.Method, x.URL, x.Status)
}
