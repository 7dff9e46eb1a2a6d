package opentoktest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/internal/sessionid"
)

// Account management (OpenTok fakes only): the account-level key and secret
// create projects, each with its own API key and secret that the fake then
// accepts like its first project's; a suspended project's REST calls and
// client tokens are refused. Every project's sessions, archives,
// broadcasts, renders, captions, callbacks and upload target are its own.

// maxProjectName bounds a project's name, in characters (the SDK checks
// the same).
const maxProjectName = 255

// Default account-level credentials of an OpenTok fake. Made up, like the
// project credentials.
const (
	DefaultAccountKey    = "10000001"
	DefaultAccountSecret = "fake0000account0000secret0000opentoktest"
)

// Project is a project of the fake's account: the first one (the fake's
// APIKey and APISecret) and those created with the account calls.
type Project struct {
	// APIKey and APISecret are its credentials (the secret changes with
	// RefreshProjectSecret).
	APIKey, APISecret string
	// Status is opentok.ProjectActive or opentok.ProjectSuspended.
	Status opentok.ProjectStatus
	// Name is the name given at creation; Environment is "standard".
	Name, Environment string
	// CreatedAt is when it was created, on the fake's clock.
	CreatedAt time.Time
	// Storage is its archive upload target (nil when none).
	Storage *ArchiveStorage
}

// WithAccountCredentials sets the account-level key and secret the fake
// accepts for account management (default DefaultAccountKey and
// DefaultAccountSecret). It has no effect on a Vonage fake.
func WithAccountCredentials(accountKey, accountSecret string) Option {
	return func(c *config) error {
		if accountKey == "" || accountSecret == "" || strings.ContainsAny(accountKey, "/~ ") {
			return fmt.Errorf("opentoktest: account key and secret must be non-empty (and the key free of '/', '~' and spaces)")
		}
		c.accountKey, c.accountSecret = accountKey, accountSecret
		return nil
	}
}

// AccountClient returns an SDK account-management client for this fake's
// account credentials and base URL, then the options given.
func (s *Server) AccountClient(opts ...opentok.Option) (*opentok.Account, error) {
	return opentok.NewAccount(s.AccountKey, s.AccountSecret, append([]opentok.Option{opentok.WithBaseURL(s.URL)}, opts...)...)
}

// Project returns a copy of a project of the account.
func (s *Server) Project(apiKey string) (Project, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.projects[apiKey]
	if !ok {
		return Project{}, false
	}
	return p.copy(), true
}

func (p *Project) copy() Project {
	c := *p
	if p.Storage != nil {
		st := *p.Storage
		st.Config = make(map[string]string, len(p.Storage.Config))
		for k, v := range p.Storage.Config {
			st.Config[k] = v
		}
		c.Storage = &st
	}
	return c
}

// ownerOf returns the owner of a session: the application ID of a Vonage
// fake, else the API key its ID encodes.
func (s *Server) ownerOf(sessionID string) string {
	if s.cfg.vonage {
		return s.ApplicationID
	}
	if d, ok := sessionid.Decode(sessionID); ok {
		return d.APIKey
	}
	return s.APIKey
}

// curOwnerLocked returns the owner the request being served authenticated
// as: the project's API key, or the application ID.
func (s *Server) curOwnerLocked() string {
	if s.cur != nil {
		return s.cur.APIKey
	}
	return s.OwnerID()
}

// ownsLocked reports whether the session belongs to the request's owner.
func (s *Server) ownsLocked(sessionID string) bool { return s.ownerOf(sessionID) == s.curOwnerLocked() }

// projectJSON is the platform's project details object.
func projectJSON(p *Project) map[string]any {
	return map[string]any{"id": p.APIKey, "secret": p.APISecret, "status": p.Status, "name": p.Name,
		"environment": p.Environment, "createdAt": ms(p.CreatedAt)}
}

// randomDigits returns n random decimal digits, the first not 0.
func randomDigits(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		lo := int64(0)
		if i == 0 {
			lo = 1
		}
		d, _ := rand.Int(rand.Reader, big.NewInt(10-lo))
		b.WriteByte(byte('0' + lo + d.Int64()))
	}
	return b.String()
}

func randomSecret() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// accountOnly refuses account calls on a Vonage fake (the platform has no
// such API there) and from a project's credentials.
func (s *Server) accountOnly() *apiError {
	if s.cfg.vonage {
		return errf(http.StatusNotFound, "Not Found")
	}
	if !s.curAccount {
		return s.authFailure("Account management needs the account-level API key and secret (ist \"account\")")
	}
	return nil
}

func (s *Server) projectLocked(r *http.Request) (*Project, *apiError) {
	if aerr := s.accountOnly(); aerr != nil {
		return nil, aerr
	}
	p, ok := s.projects[r.PathValue("key")]
	if !ok {
		return nil, errf(http.StatusNotFound, "Project not found")
	}
	return p, nil
}

func (s *Server) createProject(_ *http.Request, body []byte) (reply, *apiError) {
	if aerr := s.accountOnly(); aerr != nil {
		return reply{}, aerr
	}
	var req struct {
		Name string `json:"name"`
	}
	if len(body) > 0 {
		if aerr := decodeBody(body, &req); aerr != nil {
			return reply{}, aerr
		}
	}
	if utf8.RuneCountInString(req.Name) > maxProjectName {
		return reply{}, errf(http.StatusBadRequest, "name must be at most %d characters", maxProjectName)
	}
	if len(s.projects) >= s.cfg.stateLimit {
		return reply{}, errf(http.StatusBadRequest,
			"the fake keeps at most %d projects (WithStateLimit): delete one first", s.cfg.stateLimit)
	}
	key := randomDigits(8)
	for s.projects[key] != nil {
		key = randomDigits(8)
	}
	p := &Project{APIKey: key, APISecret: randomSecret(), Status: opentok.ProjectActive, Name: req.Name,
		Environment: "standard", CreatedAt: s.nowLocked()}
	s.projects[key] = p
	return ok(projectJSON(p)), nil
}

func (s *Server) listProjects(_ *http.Request, _ []byte) (reply, *apiError) {
	if aerr := s.accountOnly(); aerr != nil {
		return reply{}, aerr
	}
	ps := make([]*Project, 0, len(s.projects))
	for _, p := range s.projects {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b *Project) int { return a.CreatedAt.Compare(b.CreatedAt) })
	out := make([]map[string]any, 0, len(ps))
	for _, p := range ps {
		out = append(out, projectJSON(p))
	}
	return ok(out), nil
}

func (s *Server) getProject(r *http.Request, _ []byte) (reply, *apiError) {
	p, aerr := s.projectLocked(r)
	if aerr != nil {
		return reply{}, aerr
	}
	return ok(projectJSON(p)), nil
}

func (s *Server) setProjectStatus(r *http.Request, body []byte) (reply, *apiError) {
	p, aerr := s.projectLocked(r)
	if aerr != nil {
		return reply{}, aerr
	}
	var req struct {
		Status opentok.ProjectStatus `json:"status"`
	}
	if aerr := decodeBody(body, &req); aerr != nil {
		return reply{}, aerr
	}
	switch req.Status {
	case opentok.ProjectActive, opentok.ProjectSuspended:
	default:
		return reply{}, errf(http.StatusBadRequest, "status must be ACTIVE or SUSPENDED")
	}
	p.Status = req.Status
	return ok(projectJSON(p)), nil
}

func (s *Server) refreshProjectSecret(r *http.Request, _ []byte) (reply, *apiError) {
	p, aerr := s.projectLocked(r)
	if aerr != nil {
		return reply{}, aerr
	}
	p.APISecret = randomSecret()
	if p.APIKey == s.APIKey {
		s.APISecret = p.APISecret
	}
	return ok(projectJSON(p)), nil
}

func (s *Server) deleteProject(r *http.Request, _ []byte) (reply, *apiError) {
	p, aerr := s.projectLocked(r)
	if aerr != nil {
		return reply{}, aerr
	}
	delete(s.projects, p.APIKey)
	return reply{status: http.StatusNoContent}, nil
}
