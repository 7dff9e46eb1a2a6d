package opentok

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testAccountKey    = "987654"
	testAccountSecret = "made-up-account-secret-0123456789abcdef"
	testProjectSecret = "567890abcdef567890abcdef567890abcdef5678"
)

func accountClient(t *testing.T, base string, opts ...Option) *Account {
	t.Helper()
	a, err := NewAccount(testAccountKey, testAccountSecret, append([]Option{WithBaseURL(base),
		WithRetry(RetryPolicy{MaxRetries: 2, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})}, opts...)...)
	require.NoError(t, err)
	return a
}

// checkAccountAuth verifies the X-OPENTOK-AUTH JWT of account management:
// signed with the account secret, iss = the account key, ist = account.
// It returns the JWT.
func checkAccountAuth(t testing.TB, h http.Header) string {
	t.Helper()
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(h.Get("X-OPENTOK-AUTH"), claims, func(*jwt.Token) (any, error) { return []byte(testAccountSecret), nil },
		jwt.WithValidMethods([]string{"HS256"}))
	require.NoError(t, err, "the auth JWT verifies with the account secret")
	assert.Equal(t, testAccountKey, claims["iss"])
	assert.Equal(t, "account", claims["ist"])
	return h.Get("X-OPENTOK-AUTH")
}

// tableKinds are the credential kinds the operation-table sweeps run with:
// credKinds, and the account-level credentials of the Account rows.
func tableKinds() []credKind {
	return append(credKinds(), credKind{
		name:  "account",
		owner: testAccountKey,
		client: func(t testing.TB, base string, opts ...Option) *OpenTok {
			t.Helper()
			a, err := NewAccount(testAccountKey, testAccountSecret, append([]Option{WithBaseURL(base),
				WithRetry(RetryPolicy{MaxRetries: 2, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})}, opts...)...)
			require.NoError(t, err)
			return a.ot
		},
		checkAuth: checkAccountAuth,
	})
}

func TestAccountRequests(t *testing.T) {
	project := fixture(t, "responses/project_response.json")
	cases := []struct {
		name, method, path, golden, answer string
		status                             int
		call                               func(ctx context.Context, a *Account) error
	}{
		{"CreateProject with a name", "POST", "/v2/project", "project_create", project, 200, func(ctx context.Context, a *Account) error {
			_, err := a.CreateProject(ctx, &ProjectOptions{Name: "Acme <Corp>"})
			return err
		}},
		{"CreateProject without a name", "POST", "/v2/project", "project_create_minimal", project, 200, func(ctx context.Context, a *Account) error {
			_, err := a.CreateProject(ctx, nil)
			return err
		}},
		{"ListProjects", "GET", "/v2/project", "", "[" + project + "]", 200, func(ctx context.Context, a *Account) error {
			_, err := a.ListProjects(ctx)
			return err
		}},
		{"GetProject", "GET", "/v2/project/12312", "", project, 200, func(ctx context.Context, a *Account) error {
			_, err := a.GetProject(ctx, "12312")
			return err
		}},
		{"SetProjectStatus suspended", "PUT", "/v2/project/12312", "project_suspend", project, 200, func(ctx context.Context, a *Account) error {
			_, err := a.SetProjectStatus(ctx, "12312", ProjectSuspended)
			return err
		}},
		{"SetProjectStatus active", "PUT", "/v2/project/12312", "project_activate", project, 200, func(ctx context.Context, a *Account) error {
			_, err := a.SetProjectStatus(ctx, "12312", ProjectActive)
			return err
		}},
		{"RefreshProjectSecret", "POST", "/v2/project/12312/refreshSecret", "", project, 200, func(ctx context.Context, a *Account) error {
			_, err := a.RefreshProjectSecret(ctx, "12312")
			return err
		}},
		{"DeleteProject", "DELETE", "/v2/project/12312", "", "", 204, func(ctx context.Context, a *Account) error {
			return a.DeleteProject(ctx, "12312")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				if tc.answer == "" {
					w.WriteHeader(tc.status)
					return
				}
				serveJSON(w, tc.status, tc.answer)
			})
			require.NoError(t, tc.call(context.Background(), accountClient(t, ts.baseURL())))
			r := ts.only(t)
			assert.Equal(t, tc.method, r.Method)
			assert.Equal(t, tc.path, r.Path)
			checkAccountAuth(t, r.Header)
			if tc.golden == "" {
				assert.Empty(t, r.Body)
				return
			}
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			assertGolden(t, tc.golden, r.Body)
		})
	}
}

func TestAccountDecodesProjects(t *testing.T) {
	want := &Project{ID: "12312", Secret: testProjectSecret, Status: ProjectActive, Name: "Joe Montana",
		Environment: "standard", EnvironmentName: "default", EnvironmentDescription: "Standard Environment",
		CreatedAt: time.UnixMilli(1414642898000)}
	project := fixture(t, "responses/project_response.json")
	ts := sweepServer(t, 200, project)
	a := accountClient(t, ts.baseURL())
	ctx := context.Background()
	p, err := a.GetProject(ctx, "12312")
	require.NoError(t, err)
	assert.True(t, want.CreatedAt.Equal(p.CreatedAt))
	p.CreatedAt = want.CreatedAt
	assert.Equal(t, want, p)

	ts = sweepServer(t, 200, `[`+project+`,{"id":12313,"secret":"s","status":"SUSPENDED"}]`)
	list, err := accountClient(t, ts.baseURL()).ListProjects(ctx)
	require.NoError(t, err)
	require.Len(t, list.Items, 2)
	assert.Equal(t, 2, list.Total, "the number of projects")
	assert.Equal(t, "12313", list.Items[1].ID, "an ID sent as a number")
	assert.Equal(t, ProjectSuspended, list.Items[1].Status)

	ts = sweepServer(t, 200, `{"status":"ACTIVE"}`)
	_, err = accountClient(t, ts.baseURL()).CreateProject(ctx, nil)
	assert.ErrorIs(t, err, ErrBadResponse, "an answer without an ID")
	ts = sweepServer(t, 200, `{"id":"1"}`)
	_, err = accountClient(t, ts.baseURL()).ListProjects(ctx)
	assert.ErrorIs(t, err, ErrBadResponse, "an answer that is not an array")
}

// A project made by the account is usable at once with its own client.
func TestProjectClient(t *testing.T) {
	p := &Project{ID: "12312", Secret: testProjectSecret}
	ts := newTestServer(t, nil)
	ot, err := p.Client(WithBaseURL(ts.baseURL()))
	require.NoError(t, err)
	assert.Equal(t, "12312", ot.OwnerID())
	_ = ot.DisableForceMute(context.Background(), testSessionID)
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(ts.only(t).Header.Get("X-OPENTOK-AUTH"), claims,
		func(*jwt.Token) (any, error) { return []byte(testProjectSecret), nil })
	require.NoError(t, err, "signed with the project's secret")
	assert.Equal(t, "project", claims["ist"])
}

// A project whose secret is empty (a project listed without it) or the
// redaction placeholder (a project read back from printed or logged output,
// or from JSON written before secrets were plain strings) made a client
// whose every call failed 403, with a hint about clock skew. Client refuses
// it, naming the reason, and sends nothing.
func TestProjectClientRefusesAMissingOrRedactedSecret(t *testing.T) {
	ts := newTestServer(t, nil)
	for name, tc := range map[string]struct {
		p      *Project
		reason string
	}{
		"empty":       {&Project{ID: "12312"}, "holds no secret"},
		"placeholder": {&Project{ID: "12312", Secret: "REDACTED"}, "placeholder"},
		"read back from its printed form": {func() *Project {
			var p Project
			_, err := fmt.Sscanf(fmt.Sprintf("%v", Project{ID: "12312", Secret: testProjectSecret}), "{%s %s", &p.ID, &p.Secret)
			require.NoError(t, err)
			return &p
		}(), "placeholder"},
		"nil": {nil, "nil"},
	} {
		t.Run(name, func(t *testing.T) {
			ot, err := tc.p.Client(WithBaseURL(ts.baseURL()))
			assert.Nil(t, ot)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, ErrInvalidArgument)
			if tc.p != nil {
				assert.Equal(t, "secret", ve.Field)
			}
			assert.Contains(t, ve.Reason, tc.reason)
		})
	}
	assert.Empty(t, ts.requests())
}

func TestAccountValidation(t *testing.T) {
	for _, tc := range []struct {
		name, key, secret, field string
	}{
		{"empty key", "", testAccountSecret, "accountKey"},
		{"key not digits", "acc-1", testAccountSecret, "accountKey"},
		{"a Vonage application ID", testAppID, testAccountSecret, "accountKey"},
		{"empty secret", testAccountKey, "", "accountSecret"},
		{"secret with a newline", testAccountKey, testAccountSecret + "\n", "accountSecret"},
	} {
		_, err := NewAccount(tc.key, tc.secret)
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, tc.name)
		assert.Equal(t, tc.field, ve.Field, tc.name)
		assert.NotContains(t, err.Error(), testAccountSecret)
	}
	_, err := NewAccount(testAppID, "x")
	assert.Contains(t, err.Error(), "Vonage applications are managed in the Vonage dashboard")
	_, err = NewAccount(testAccountKey, testAccountSecret, WithTimeout(-1))
	assert.ErrorIs(t, err, ErrInvalidArgument, "the options of New")

	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { t.Errorf("sent %s", r.URL) })
	a := accountClient(t, ts.baseURL())
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"apiKey":    func() error { _, err := a.GetProject(ctx, ""); return err },
		"apiKey ":   func() error { _, err := a.SetProjectStatus(ctx, "1/2", ProjectActive); return err },
		"apiKey  ":  func() error { _, err := a.RefreshProjectSecret(ctx, "x"); return err },
		"apiKey   ": func() error { return a.DeleteProject(ctx, "..") },
		"status":    func() error { _, err := a.SetProjectStatus(ctx, "12312", "DELETED"); return err },
		"name": func() error {
			_, err := a.CreateProject(ctx, &ProjectOptions{Name: strings.Repeat("n", 256)})
			return err
		},
		"name ":                  func() error { _, err := a.CreateProject(ctx, &ProjectOptions{Name: "a\nb"}); return err },
		"apiKey (from a Vonage)": func() error { _, err := a.GetProject(ctx, testAppID); return err },
	} {
		var ve *ValidationError
		require.ErrorAs(t, call(), &ve, name)
		assert.Equal(t, strings.Fields(name)[0], ve.Field, name)
	}
	assert.Empty(t, ts.requests())
}

func TestAccountNeverPrintsSecrets(t *testing.T) {
	ts := sweepServer(t, 200, fixture(t, "responses/project_response.json"))
	var logs strings.Builder
	a := accountClient(t, ts.baseURL(), WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	p, err := a.RefreshProjectSecret(context.Background(), "12312")
	require.NoError(t, err)
	assert.Equal(t, testProjectSecret, p.Secret, "the field holds the new secret")
	for _, v := range []any{a, *a, p, *p, []*Project{p}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d"} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, testProjectSecret, "%s of %T", verb, v)
			assert.NotContains(t, out, testAccountSecret, "%s of %T", verb, v)
		}
		if _, ok := v.([]*Project); !ok { // slog's JSON handler encodes a slice with encoding/json
			slog.New(slog.NewJSONHandler(&logs, nil)).Info("v", "v", v)
		}
	}
	js, err := json.Marshal(p)
	require.NoError(t, err)
	assert.Contains(t, string(js), `"Secret":"`+testProjectSecret+`"`, "the JSON of a result carries the secret")
	assert.NotContains(t, logs.String(), testProjectSecret)
	assert.NotContains(t, logs.String(), testAccountSecret)
	assert.Equal(t, "opentok.Account{accountKey: 987654, baseURL: "+ts.baseURL()+", secret: REDACTED}", a.String())
	assert.Equal(t, testAccountKey, a.AccountKey())
}

func TestAccountFailures(t *testing.T) {
	ts := sweepServer(t, 403, `{"code":403,"message":"Invalid account credentials"}`)
	_, err := accountClient(t, ts.baseURL()).ListProjects(context.Background())
	assert.ErrorIs(t, err, ErrForbidden)
	ts = sweepServer(t, 404, `{"code":404,"message":"project not found"}`)
	_, err = accountClient(t, ts.baseURL()).GetProject(context.Background(), "1")
	assert.ErrorIs(t, err, ErrNotFound)
	ts = sweepServer(t, 500, `{}`)
	_, err = accountClient(t, ts.baseURL()).GetProject(context.Background(), "1")
	assert.ErrorIs(t, err, ErrServer)
	assert.Len(t, ts.requests(), 3, "a GET is retried")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = accountClient(t, ts.baseURL()).CreateProject(ctx, nil)
	assert.ErrorIs(t, err, context.Canceled)
}
