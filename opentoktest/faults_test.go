package opentoktest

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

func TestFaultInjection(t *testing.T) {
	srv := NewServer(t)
	retry := opentok.DefaultRetryPolicy
	retry.MinBackoff, retry.MaxBackoff = time.Millisecond, 2*time.Millisecond
	ot := srv.Client(opentok.WithRetry(retry))

	require.NoError(t, srv.InjectFault("CreateSession", Fault{Status: 429, RetryAfter: "0"}))
	_, err := ot.CreateSession(context.Background(), nil)
	require.NoError(t, err, "the SDK retried the 429")
	rec := srv.RequestsFor("CreateSession")
	require.Len(t, rec, 2)
	assert.Equal(t, []int{429, 200}, []int{rec[0].Status, rec[1].Status})

	require.NoError(t, srv.InjectFault("CreateSession", Fault{Status: 503}))
	_, err = ot.CreateSession(context.Background(), nil)
	assert.ErrorIs(t, err, opentok.ErrServer, "a POST is not retried after 503")

	require.NoError(t, srv.InjectFault("CreateSession", Fault{DropConnection: true}))
	_, err = ot.CreateSession(context.Background(), nil)
	var te *opentok.TransportError
	assert.True(t, errors.As(err, &te), "got %v", err)

	require.NoError(t, srv.InjectFault("CreateSession", Fault{Malformed: true}))
	_, err = ot.CreateSession(context.Background(), nil)
	assert.ErrorIs(t, err, opentok.ErrBadResponse)

	srv.ClearFaults()
	require.NoError(t, srv.InjectFault("*", Fault{Delay: 300 * time.Millisecond}))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = ot.CreateSession(ctx, nil)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestInjectFaultValidatesAndOperationsAreSDKMethodNames(t *testing.T) {
	srv := NewServer(t)
	assert.Error(t, srv.InjectFault("PatchArchiveStreams", Fault{Status: 500}), "not an SDK method")
	assert.Error(t, srv.InjectFault("GetArchive", Fault{Status: 99}))
	assert.Error(t, srv.InjectFault("GetArchive", Fault{Delay: -time.Second}))
	assert.Error(t, srv.InjectFault("GetArchive", Fault{Times: -2}))
	assert.NoError(t, srv.InjectFault("*", Fault{Status: 503, Times: 0}))
	srv.ClearFaults()

	ot := srv.Client()
	ctx := context.Background()
	sid := routedSession(t, ot)
	c, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	stream, err := c.Publish(PublishOptions{})
	require.NoError(t, err)
	a, err := ot.StartArchive(ctx, sid, &opentok.ArchiveOptions{StreamMode: opentok.StreamModeManual})
	require.NoError(t, err)

	require.NoError(t, srv.InjectFault("RemoveArchiveStream", Fault{Status: 500, Times: 3}))
	require.NoError(t, ot.AddArchiveStream(ctx, a.ID, stream, nil), "the add is not hit by the remove's fault")
	err = ot.RemoveArchiveStream(ctx, a.ID, stream)
	assert.ErrorIs(t, err, opentok.ErrServer)
	require.NoError(t, ot.ForceMuteAll(ctx, sid, nil))
	require.NoError(t, ot.DisableForceMute(ctx, sid))
	var ops []string
	for _, r := range srv.Requests() {
		ops = append(ops, r.Op)
	}
	assert.Equal(t, []string{"CreateSession", "StartArchive", "AddArchiveStream", "RemoveArchiveStream",
		"RemoveArchiveStream", "RemoveArchiveStream", "ForceMuteAll", "DisableForceMute"}, ops, "a PATCH is retried twice")
}

// TestInjectFaultErrorsAreChecked keeps every test of the module from
// dropping InjectFault's error: a fault for a misspelt operation is refused,
// and a test that ignores the refusal passes without the fault it meant to
// test.
func TestInjectFaultErrorsAreChecked(t *testing.T) {
	var files []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != "..") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, "_test.go") {
			files = append(files, path)
		}
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, len(files), 50, "the module's test files")
	isInjectFault := func(e ast.Expr) bool {
		call, ok := e.(*ast.CallExpr)
		if !ok {
			return false
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		return ok && sel.Sel.Name == "InjectFault"
	}
	fset := gotoken.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ExprStmt:
				if isInjectFault(n.X) {
					t.Errorf("%s: the error of InjectFault is dropped", fset.Position(n.Pos()))
				}
			case *ast.GoStmt:
				if isInjectFault(n.Call) {
					t.Errorf("%s: the error of InjectFault is dropped", fset.Position(n.Pos()))
				}
			case *ast.DeferStmt:
				if isInjectFault(n.Call) {
					t.Errorf("%s: the error of InjectFault is dropped", fset.Position(n.Pos()))
				}
			case *ast.AssignStmt:
				for i, rhs := range n.Rhs {
					if isInjectFault(rhs) && i < len(n.Lhs) {
						if id, ok := n.Lhs[i].(*ast.Ident); ok && id.Name == "_" {
							t.Errorf("%s: the error of InjectFault is assigned to _", fset.Position(n.Pos()))
						}
					}
				}
			}
			return true
		})
	}
}
