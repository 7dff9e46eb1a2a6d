package opentok

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/opentok-go/opentok/internal/auth"
)

// Account management: an OpenTok account's administrators create projects
// (each with its own API key and secret, for example one per customer),
// suspend and reactivate them, refresh their secrets and delete them. The
// calls take the account-level API key and secret (Account Settings → OpenTok
// REST API → View account keys), not a project's.

// ProjectStatus is the state of a project.
type ProjectStatus string

// The project states.
const (
	// ProjectActive: the project's sessions, tokens and REST calls work.
	ProjectActive ProjectStatus = "ACTIVE"
	// ProjectSuspended: they stop working until the project is active again.
	ProjectSuspended ProjectStatus = "SUSPENDED"
)

// Project is a project of the account, as the account-management calls
// return it. Its Secret is the project's API secret: printed with fmt (any
// verb) or logged with slog it shows "REDACTED"; its JSON carries it, and
// [Project.Client] makes a client with it.
type Project struct {
	// ID is the project's API key.
	ID string
	// Secret is the project's API secret.
	Secret string
	// Status is ProjectActive or ProjectSuspended; values added later are
	// kept as sent.
	Status ProjectStatus
	// Name is the name given at creation ("" when none).
	Name string
	// Environment is the environment the project runs in ("standard" or
	// "enterprise"); EnvironmentName and EnvironmentDescription describe
	// it when the platform sends them.
	Environment, EnvironmentName, EnvironmentDescription string
	// CreatedAt is when the project was created.
	CreatedAt time.Time
}

// Client returns a client for the project's credentials (its ID and
// secret), with the options given: see [New].
//
// Errors: [*ValidationError] (field "secret") when the project holds no
// secret, or holds "REDACTED", the placeholder that printed and logged
// projects show (a project read back from such output, or from JSON written
// by a version of this SDK that redacted it): a client made with either
// would have every call refused with 403. Take the project from
// CreateProject or RefreshProjectSecret, or from JSON written from them.
// Otherwise the errors of [New].
func (p *Project) Client(opts ...Option) (*OpenTok, error) {
	switch {
	case p == nil:
		return nil, invalid("project", "is nil")
	case p.Secret == "":
		return nil, invalid("secret", "the project holds no secret: take the project from CreateProject or RefreshProjectSecret, which return it")
	case p.Secret == redactedText:
		return nil, invalid("secret", "is %q, the placeholder printed and logged projects show, not the secret: take the project from CreateProject or RefreshProjectSecret, or from JSON written from them", redactedText)
	}
	return New(p.ID, p.Secret, opts...)
}

// Format prints the project with its secret redacted, for every verb.
func (p Project) Format(f fmt.State, verb rune) {
	type plain Project
	p.Secret = redact(p.Secret)
	formatRedacted(f, verb, plain(p), "opentok.Project")
}

// LogValue logs the project with its secret redacted.
func (p Project) LogValue() slog.Value { return logRedacted(p) }

// ProjectOptions are the options of [Account.CreateProject].
type ProjectOptions struct {
	// Name is an optional name for the project (for example the
	// customer's), at most 255 characters.
	Name string
}

type projectWire struct {
	ID                     flexString    `json:"id"`
	Secret                 string        `json:"secret"`
	Status                 ProjectStatus `json:"status"`
	Name                   string        `json:"name"`
	Environment            string        `json:"environment"`
	EnvironmentName        string        `json:"environmentName"`
	EnvironmentDescription string        `json:"environmentDescription"`
	CreatedAt              msTime        `json:"createdAt"`
}

func (w *projectWire) resourceID() string { return string(w.ID) }

func (w *projectWire) project() *Project {
	return &Project{ID: string(w.ID), Secret: w.Secret, Status: w.Status, Name: w.Name,
		Environment: w.Environment, EnvironmentName: w.EnvironmentName, EnvironmentDescription: w.EnvironmentDescription,
		CreatedAt: w.CreatedAt.Time()}
}

type projectBody struct {
	Name   string        `json:"name,omitempty"`
	Status ProjectStatus `json:"status,omitempty"`
}

// Account is a client of the account-management calls, made by
// [NewAccount]. It shares the project client's request path: options,
// timeouts, retries, errors and logging. Like it, it is immutable and safe
// for concurrent use, and never prints its secret.
type Account struct {
	// ot carries the request path, signing with the account-level key.
	ot *OpenTok
}

// NewAccount returns a client for account management, with the account-level
// API key and secret of an OpenTok account (only its registered
// administrators have them). Requests go to [DefaultOpenTokURL] with an
// X-OPENTOK-AUTH HS256 JWT whose ist is "account". The options are those of
// [New].
//
// NewAccount does no I/O. It returns a [*ValidationError] when the key is
// empty or not digits (a Vonage application ID is refused with the reason:
// Vonage applications are managed in the Vonage dashboard and Application
// API, not here), the secret is empty or has surrounding white space, or an
// option is invalid.
func NewAccount(accountKey, accountSecret string, opts ...Option) (*Account, error) {
	if uuid.Validate(accountKey) == nil {
		return nil, invalid("accountKey", "is a Vonage application ID: account management needs the OpenTok account-level API key "+
			"and secret; Vonage applications are managed in the Vonage dashboard and its Application API")
	}
	if err := checkAPIKey("accountKey", accountKey); err != nil {
		return nil, err
	}
	if err := checkAPISecret("accountSecret", accountSecret); err != nil {
		return nil, err
	}
	ot := &OpenTok{ownerID: accountKey, project: auth.NewAccount(accountKey, []byte(accountSecret))}
	if err := ot.configure(DefaultOpenTokURL, opts); err != nil {
		return nil, err
	}
	return &Account{ot: ot}, nil
}

// AccountKey returns the account-level API key.
func (a *Account) AccountKey() string { return a.ot.ownerID }

// CloseIdleConnections closes the idle keep-alive connections, as
// [OpenTok.CloseIdleConnections] does.
func (a *Account) CloseIdleConnections() { a.ot.CloseIdleConnections() }

// String describes the client without its secret.
func (a *Account) String() string {
	return "opentok.Account{accountKey: " + a.ot.ownerID + ", baseURL: " + a.ot.BaseURL() + ", secret: REDACTED}"
}

// projectPath returns /v2/project or /v2/project/{apiKey}/{segs...}.
func projectsPath(segs ...string) string {
	var b strings.Builder
	b.WriteString("/v2/project")
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(escapeSegment(s))
	}
	return b.String()
}

func (a *Account) projectCall(ctx context.Context, method, path string, body any) (*Project, error) {
	var w projectWire
	if err := a.ot.do(ctx, &request{method: method, path: path, body: body, out: &w, idField: "id"}); err != nil {
		return nil, err
	}
	return w.project(), nil
}

// CreateProject creates a project in the account and returns it with its
// API key (ID) and secret. opts may be nil.
//
// REST: POST /v2/project with {"name"} (left out when empty); 200 with the
// project details.
//
// Errors: [*ValidationError] for a name over 255 characters or not one line
// of UTF-8 (nothing is sent); [*APIError] otherwise (403 for account keys
// the platform refuses); [*ResponseError] when the answer has no ID.
func (a *Account) CreateProject(ctx context.Context, opts *ProjectOptions) (*Project, error) {
	var body projectBody
	if opts != nil {
		if err := checkText("name", opts.Name, true); err != nil {
			return nil, err
		}
		if len([]rune(opts.Name)) > 255 {
			return nil, invalid("name", "must be at most 255 characters")
		}
		body.Name = opts.Name
	}
	return a.projectCall(ctx, http.MethodPost, projectsPath(), body)
}

// ListProjects returns every project of the account, as one page (the
// platform sends them in one piece; Total is their number).
//
// REST: GET /v2/project; 200 with an array of project details.
//
// Errors: [*APIError] for a non-2xx answer; [*ResponseError] when the
// answer is not an array; [*TransportError] when no answer came.
func (a *Account) ListProjects(ctx context.Context) (*Page[Project], error) {
	return listArray(ctx, a.ot, projectsPath(), (*projectWire).project)
}

// GetProject returns a project of the account by its API key.
//
// REST: GET /v2/project/{apiKey}; 200 with the project details.
//
// Errors: [*ValidationError] for an API key that is empty or not digits
// (nothing is sent); [*APIError] otherwise: 404 ([ErrNotFound]) for a
// project the account does not have.
func (a *Account) GetProject(ctx context.Context, apiKey string) (*Project, error) {
	if err := checkAPIKey("apiKey", apiKey); err != nil {
		return nil, err
	}
	return a.projectCall(ctx, http.MethodGet, projectsPath(apiKey), nil)
}

// SetProjectStatus suspends a project ([ProjectSuspended]: its sessions,
// tokens and REST calls stop working) or makes it active again
// ([ProjectActive]), and returns it.
//
// REST: PUT /v2/project/{apiKey} with {"status"}; 200 with the project
// details.
//
// Errors: [*ValidationError] for an API key that is empty or not digits,
// or a status other than ACTIVE or SUSPENDED (nothing is sent); [*APIError]
// otherwise: 404 ([ErrNotFound]) for an unknown project.
func (a *Account) SetProjectStatus(ctx context.Context, apiKey string, status ProjectStatus) (*Project, error) {
	if err := checkAPIKey("apiKey", apiKey); err != nil {
		return nil, err
	}
	switch status {
	case ProjectActive, ProjectSuspended:
	default:
		return nil, invalid("status", "must be ACTIVE or SUSPENDED, not %q", string(status))
	}
	return a.projectCall(ctx, http.MethodPut, projectsPath(apiKey), projectBody{Status: status})
}

// RefreshProjectSecret makes a new API secret for a project and returns the
// project with it; the old secret stops working.
//
// REST: POST /v2/project/{apiKey}/refreshSecret; 200 with the project
// details.
//
// Errors: [*ValidationError] for an API key that is empty or not digits
// (nothing is sent); [*APIError] otherwise: 404 ([ErrNotFound]) for an
// unknown project.
func (a *Account) RefreshProjectSecret(ctx context.Context, apiKey string) (*Project, error) {
	if err := checkAPIKey("apiKey", apiKey); err != nil {
		return nil, err
	}
	return a.projectCall(ctx, http.MethodPost, projectsPath(apiKey, "refreshSecret"), nil)
}

// DeleteProject deletes a project of the account.
//
// REST: DELETE /v2/project/{apiKey}; 204.
//
// Errors: [*ValidationError] for an API key that is empty or not digits
// (nothing is sent); [*APIError] otherwise: 404 ([ErrNotFound]) for an
// unknown project. A 404 on a retry after an attempt whose answer was lost
// is success.
func (a *Account) DeleteProject(ctx context.Context, apiKey string) error {
	if err := checkAPIKey("apiKey", apiKey); err != nil {
		return err
	}
	return a.ot.do(ctx, &request{method: http.MethodDelete, path: projectsPath(apiKey), removal: true})
}
