package exampleapp

import (
	"fmt"
	"strings"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/opentoktest"
)

// userAgent is appended to the SDK's User-Agent by the examples' clients.
const userAgent = "opentok-go-examples"

// Banner is the notice every example prints on the console and shows on
// every page when it runs against the built-in fake platform.
const Banner = "Offline demo: using the built-in fake platform; set " + EnvAPIKey + " and " + EnvAPISecret +
	" (or " + EnvApplicationID + " and " + EnvPrivateKeyPath + ") to use a real project."

// The browser client library (OpenTok.js), from the CDNs the platform's
// documentation uses: the Vonage package for application credentials, the
// OpenTok one for project credentials.
const (
	VonageClientLibraryURL  = "https://unpkg.com/@vonage/client-sdk-video@2/dist/js/opentok.js"
	OpenTokClientLibraryURL = "https://static.opentok.com/v2/js/opentok.min.js"
)

// Platform is what an example talks to: an SDK client and, when running
// offline, the fake platform behind it.
type Platform struct {
	// Client is the SDK client every example uses for its REST calls and
	// tokens.
	Client *opentok.OpenTok
	// Fake is the in-memory fake platform Client talks to when the example
	// runs offline; nil with real credentials. Examples use it only to stand
	// in for what a real platform or real people would do (a participant
	// publishing, an archive finishing its upload).
	Fake *opentoktest.Server

	// clientLibrary is OPENTOK_JS: a URL, or the absolute path of a file
	// the example serves at ClientLibraryPath ("" for the CDN).
	clientLibrary string
	close         func() error
}

// SimulatedMarker ends the connection data of a simulated participant
// (SimulateParticipant): the pages' script shows it by name instead of
// subscribing to a stream that has no media.
const SimulatedMarker = "&simulated=true"

// ClientLibraryPath is where an example serves the local copy of
// OpenTok.js that OPENTOK_JS names.
const ClientLibraryPath = "/opentok.js"

// StartFake starts the built-in fake platform on a free loopback port and
// returns a Platform whose Client talks to it. Close stops it.
func StartFake() (*Platform, error) {
	fake, err := opentoktest.Start()
	if err != nil {
		return nil, fmt.Errorf("cannot start the built-in fake platform: %w", err)
	}
	p, err := FakePlatform(fake)
	if err != nil {
		fake.Close()
		return nil, err
	}
	p.close = func() error {
		fake.Close()
		return nil
	}
	return p, nil
}

// FakePlatform returns an offline Platform for a fake that is already
// serving, such as one from opentoktest.NewServer in a test. Closing the
// Platform leaves the fake running.
func FakePlatform(fake *opentoktest.Server) (*Platform, error) {
	ot, err := fake.NewClient(opentok.WithUserAgent(userAgent))
	if err != nil {
		return nil, err
	}
	return &Platform{Client: ot, Fake: fake}, nil
}

// Offline reports whether the Platform is the built-in fake.
func (p *Platform) Offline() bool { return p.Fake != nil }

// Close stops the built-in fake platform, if this Platform started it.
func (p *Platform) Close() error {
	if p.close == nil {
		return nil
	}
	c := p.close
	p.close = nil
	return c()
}

// ClientLibraryURL is the URL of the browser client library: the one
// OPENTOK_JS gives (ClientLibraryPath for a local file), else the CDN copy
// that fits the credentials.
func (p *Platform) ClientLibraryURL() string {
	switch {
	case strings.HasPrefix(p.clientLibrary, "http://") || strings.HasPrefix(p.clientLibrary, "https://"):
		return p.clientLibrary
	case p.clientLibrary != "":
		return ClientLibraryPath
	}
	if p.Client.IsVonage() {
		return VonageClientLibraryURL
	}
	return OpenTokClientLibraryURL
}

// ClientLibraryFile is the local file of OpenTok.js the example serves at
// ClientLibraryPath, or "" when the pages load it from a URL.
func (p *Platform) ClientLibraryFile() string {
	if p.ClientLibraryURL() == ClientLibraryPath {
		return p.clientLibrary
	}
	return ""
}

// ProxyURL is what the pages pass to OT.setProxyUrl so that OpenTok.js
// talks to the built-in fake platform (which serves real clients: they
// join, signal and send each other video); "" with real credentials.
func (p *Platform) ProxyURL() string {
	if p.Offline() {
		return p.Fake.URL
	}
	return ""
}

// OwnerLabel names what OwnerID is: "Application ID" or "API key". The
// browser passes that value to OT.initSession.
func (p *Platform) OwnerLabel() string {
	if p.Client.IsVonage() {
		return "Application ID"
	}
	return "API key"
}

// OwnerID is the API key or application ID: public, unlike the secret.
func (p *Platform) OwnerID() string { return p.Client.OwnerID() }

// Describe says in a few words what the Platform is ("OpenTok project
// 47000000 at https://api.opentok.com"), for the console and page footers.
// It never includes a secret.
func (p *Platform) Describe() string {
	switch {
	case p.Offline():
		return "the built-in fake platform at " + p.Client.BaseURL()
	case p.Client.IsVonage():
		return "Vonage application " + p.OwnerID() + " at " + p.Client.BaseURL()
	}
	return "OpenTok project " + p.OwnerID() + " at " + p.Client.BaseURL()
}

// SimulateParticipant stands in for a person when running offline: it
// connects a simulated client to the session with a publisher token and
// publishes a camera stream named name, as a browser would, so that
// archives and broadcasts (which need someone publishing) can start before
// anyone opens a page. Its connection data ends with SimulatedMarker: it
// carries no media, so the pages do not subscribe to it. With real
// credentials it does nothing and returns nil: real people join from their
// browsers.
func (p *Platform) SimulateParticipant(sessionID, name string) error {
	if !p.Offline() {
		return nil
	}
	token, err := p.Client.GenerateToken(sessionID, &opentok.TokenOptions{Data: "name=" + name + SimulatedMarker})
	if err != nil {
		return err
	}
	conn, err := p.Fake.Connect(sessionID, token)
	if err != nil {
		return fmt.Errorf("simulated participant: %w", err)
	}
	if _, err := conn.Publish(opentoktest.PublishOptions{Name: name}); err != nil {
		conn.Disconnect()
		return fmt.Errorf("simulated participant: %w", err)
	}
	return nil
}

// FinishArchive stands in for the platform's upload when running offline:
// it makes a stopped archive available at once, and reports whether it did.
// With real credentials it does nothing: the platform makes the archive
// available (and sends an archive callback) once the file is uploaded.
func (p *Platform) FinishArchive(archiveID string) bool {
	return p.Offline() && p.Fake.CompleteArchive(archiveID)
}
