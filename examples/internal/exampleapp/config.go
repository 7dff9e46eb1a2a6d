package exampleapp

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/opentok-go/opentok"
)

// The environment variables the examples read.
const (
	EnvAPIKey         = "OPENTOK_API_KEY"
	EnvAPISecret      = "OPENTOK_API_SECRET"
	EnvApplicationID  = "VONAGE_APPLICATION_ID"
	EnvPrivateKeyPath = "VONAGE_PRIVATE_KEY_PATH"
	EnvAPIURL         = "OPENTOK_API_URL"
	EnvPort           = "PORT"
	// EnvClientLibrary replaces the CDN copy of OpenTok.js the pages
	// load: a URL, or the path of a local file that the example serves
	// (for machines without internet, and CI).
	EnvClientLibrary = "OPENTOK_JS"
)

// ErrIncompleteCredentials is matched (with errors.Is) by the error Open
// returns when only part of a credential set is in the environment.
var ErrIncompleteCredentials = errors.New("incomplete credentials")

// Config holds the credentials an example runs with. The zero value means
// "no credentials": run offline against the built-in fake platform.
type Config struct {
	// APIKey and APISecret are OpenTok project credentials.
	APIKey, APISecret string
	// ApplicationID and PrivateKeyPath are Vonage application credentials:
	// the application's ID and the path of its private key file.
	ApplicationID, PrivateKeyPath string
	// APIURL, when set, replaces the platform's REST base URL (for example
	// the address of `opentok emulator`).
	APIURL string
	// ClientLibrary, when set, replaces the CDN copy of OpenTok.js: a URL
	// (http or https), or the path of a local file the example serves.
	ClientLibrary string
}

// ConfigFromEnv reads the configuration from the environment: getenv is
// os.Getenv, or a map's lookup in tests.
func ConfigFromEnv(getenv func(string) string) Config {
	return Config{
		APIKey:         getenv(EnvAPIKey),
		APISecret:      getenv(EnvAPISecret),
		ApplicationID:  getenv(EnvApplicationID),
		PrivateKeyPath: getenv(EnvPrivateKeyPath),
		APIURL:         getenv(EnvAPIURL),
		ClientLibrary:  getenv(EnvClientLibrary),
	}
}

// Offline reports whether the configuration names no credentials at all,
// so that the examples start the built-in fake platform.
func (c Config) Offline() bool {
	return c.APIKey == "" && c.APISecret == "" && c.ApplicationID == "" && c.PrivateKeyPath == "" && c.APIURL == ""
}

// Open makes the Platform the configuration describes:
//
//   - no credentials and no API URL: the built-in fake platform, started on
//     a loopback port (see StartFake);
//   - OPENTOK_API_KEY and OPENTOK_API_SECRET: an OpenTok project (these win
//     when Vonage credentials are set too, as with the opentok command);
//   - VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY_PATH: a Vonage
//     application, its key read from the file.
//
// Half a credential set, or an API URL without credentials, is an error that
// matches ErrIncompleteCredentials and names what is missing. Open does no
// network I/O for real credentials.
func Open(c Config) (*Platform, error) {
	lib, err := clientLibrary(c.ClientLibrary)
	if err != nil {
		return nil, err
	}
	p, err := open(c)
	if err == nil {
		p.clientLibrary = lib
	}
	return p, err
}

// clientLibrary checks OPENTOK_JS: a URL is used as it is, a path must name
// a readable file (made absolute, so that it does not depend on the
// directory later).
func clientLibrary(v string) (string, error) {
	if v == "" || strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
		return v, nil
	}
	abs, err := filepath.Abs(v)
	if err == nil {
		var f *os.File
		if f, err = os.Open(abs); err == nil {
			f.Close()
		}
	}
	if err != nil {
		return "", fmt.Errorf("%s names neither a URL nor a file it can read: %w", EnvClientLibrary, err)
	}
	return abs, nil
}

func open(c Config) (*Platform, error) {
	if c.Offline() {
		return StartFake()
	}
	var opts []opentok.Option
	if c.APIURL != "" {
		opts = append(opts, opentok.WithBaseURL(c.APIURL))
	}
	opts = append(opts, opentok.WithUserAgent(userAgent))
	switch {
	case c.APIKey != "" || c.APISecret != "":
		if err := bothSet(EnvAPIKey, c.APIKey, EnvAPISecret, c.APISecret); err != nil {
			return nil, err
		}
		ot, err := opentok.New(c.APIKey, c.APISecret, opts...)
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", EnvAPIKey, EnvAPISecret, err)
		}
		return &Platform{Client: ot}, nil
	case c.ApplicationID != "" || c.PrivateKeyPath != "":
		if err := bothSet(EnvApplicationID, c.ApplicationID, EnvPrivateKeyPath, c.PrivateKeyPath); err != nil {
			return nil, err
		}
		pemBytes, err := os.ReadFile(c.PrivateKeyPath)
		if err != nil {
			return nil, fmt.Errorf("cannot read the private key named by %s: %w", EnvPrivateKeyPath, err)
		}
		ot, err := opentok.NewVonage(c.ApplicationID, pemBytes, opts...)
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", EnvApplicationID, EnvPrivateKeyPath, err)
		}
		return &Platform{Client: ot}, nil
	}
	return nil, fmt.Errorf("%w: %s is set but no credentials are: set %s and %s (or %s and %s), or unset it for the offline demo",
		ErrIncompleteCredentials, EnvAPIURL, EnvAPIKey, EnvAPISecret, EnvApplicationID, EnvPrivateKeyPath)
}

// bothSet checks that the two halves of a credential pair are present.
func bothSet(nameA, a, nameB, b string) error {
	missing, present := nameA, nameB
	switch {
	case a != "" && b != "":
		return nil
	case a != "":
		missing, present = nameB, nameA
	}
	return fmt.Errorf("%w: %s is set but %s is not: set both, or neither for the offline demo",
		ErrIncompleteCredentials, present, missing)
}
