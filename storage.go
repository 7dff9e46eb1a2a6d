package opentok

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// Archive upload targets: where the platform uploads a project's archive
// files — an Amazon S3 bucket (or one of an S3-compatible store) or a
// Microsoft Azure container — instead of keeping them in its own storage
// for 72 hours. Configured with OpenTok project credentials only.

// StorageTarget is the upload target of [ArchiveStorage]: an [S3Storage] or
// an [AzureStorage] (or a pointer to one, which is read as the value it
// points to; a nil pointer is no target). The interface has an unexported
// method, so no other type can be one, and a target is one kind or the
// other, never both.
type StorageTarget interface {
	storageType() string
}

// targetValue returns t as a value: *S3Storage and *AzureStorage are
// dereferenced, and a nil pointer is nil (no target).
func targetValue(t StorageTarget) StorageTarget {
	switch p := t.(type) {
	case *S3Storage:
		if p == nil {
			return nil
		}
		return *p
	case *AzureStorage:
		if p == nil {
			return nil
		}
		return *p
	}
	return t
}

// StorageFallback says what happens to an archive whose upload fails.
type StorageFallback string

// The fallbacks.
const (
	// FallbackNone leaves the archive nowhere: it is never stored
	// unencrypted on the platform (the platform default).
	FallbackNone StorageFallback = "none"
	// FallbackOpenTok keeps the archive on the platform, available for
	// download as if there were no target.
	FallbackOpenTok StorageFallback = "opentok"
)

// S3Encryption is the server-side encryption of archives uploaded to S3.
type S3Encryption string

// The S3 encryption modes.
const (
	// S3EncryptionNone uploads to a bucket without server-side encryption.
	S3EncryptionNone S3Encryption = "none"
	// S3EncryptionS3 asks Amazon to encrypt the files with S3-managed keys
	// (SSE-S3; KMS and customer-provided keys are not supported).
	S3EncryptionS3 S3Encryption = "s3"
)

// ArchiveStorage is a project's archive upload target, as
// [OpenTok.SetArchiveStorage] sets it and the platform echoes it. Printed
// with fmt (any verb) or logged with slog, its cloud credentials show
// "REDACTED"; its JSON carries them.
type ArchiveStorage struct {
	// Target is an S3Storage or an AzureStorage (required).
	Target StorageTarget
	// Fallback is FallbackNone or FallbackOpenTok; empty leaves the
	// platform default (none).
	Fallback StorageFallback
}

// S3Storage is an Amazon S3 bucket, or a bucket of an S3-compatible store,
// as an archive upload target.
type S3Storage struct {
	// AccessKey is the access key ID of a user that may write to the
	// bucket (required).
	AccessKey string
	// SecretKey is that user's secret access key (required).
	SecretKey string
	// Bucket is the bucket's name (required).
	Bucket string
	// Endpoint is the base URL of an S3-compatible store, with its scheme,
	// such as "https://storage.googleapis.com"; empty means Amazon
	// (https://s3.amazonaws.com). It must not hold user info
	// (user:password@): the credentials are AccessKey and SecretKey.
	// Printed, any user info shows as "REDACTED".
	Endpoint string
	// SSE is the server-side encryption; empty leaves the platform default.
	SSE S3Encryption
}

func (S3Storage) storageType() string { return "s3" }

// Format prints the target with its secret key and any user info of its
// endpoint redacted, for every verb.
func (t S3Storage) Format(f fmt.State, verb rune) {
	type plain S3Storage
	t.SecretKey = redact(t.SecretKey)
	t.Endpoint = redactUserInfo(t.Endpoint)
	formatRedacted(f, verb, plain(t), "opentok.S3Storage")
}

// LogValue logs the target with its secret key redacted.
func (t S3Storage) LogValue() slog.Value { return logRedacted(t) }

// AzureStorage is a Microsoft Azure container as an archive upload target.
type AzureStorage struct {
	// AccountName is the storage account's name (required).
	AccountName string
	// AccountKey is the storage account's access key (required).
	AccountKey string
	// Container is the container's name (required).
	Container string
	// Domain is the storage account's domain, for a sovereign or custom
	// Azure endpoint (such as "core.chinacloudapi.cn"); empty means the
	// default.
	Domain string
}

func (AzureStorage) storageType() string { return "azure" }

// Format prints the target with its account key redacted, for every verb.
func (t AzureStorage) Format(f fmt.State, verb rune) {
	type plain AzureStorage
	t.AccountKey = redact(t.AccountKey)
	formatRedacted(f, verb, plain(t), "opentok.AzureStorage")
}

// LogValue logs the target with its account key redacted.
func (t AzureStorage) LogValue() slog.Value { return logRedacted(t) }

// Format prints the storage with its target's credentials redacted, for
// every verb.
func (s ArchiveStorage) Format(f fmt.State, verb rune) {
	type plain ArchiveStorage
	formatRedacted(f, verb, plain(s), "opentok.ArchiveStorage")
}

// LogValue logs the storage with its target's credentials redacted.
func (s ArchiveStorage) LogValue() slog.Value { return logRedacted(s) }

// storageWire is the body of PUT .../archive/storage and its answer.
type storageWire struct {
	Type     string            `json:"type"`
	Config   storageConfigWire `json:"config"`
	Fallback StorageFallback   `json:"fallback,omitempty"`
}

// storageConfigWire holds the fields of both kinds of target.
type storageConfigWire struct {
	AccessKey   string       `json:"accessKey,omitempty"`
	SecretKey   string       `json:"secretKey,omitempty"`
	Bucket      string       `json:"bucket,omitempty"`
	Endpoint    string       `json:"endpoint,omitempty"`
	SSE         S3Encryption `json:"sse,omitempty"`
	AccountName string       `json:"accountName,omitempty"`
	AccountKey  string       `json:"accountKey,omitempty"`
	Container   string       `json:"container,omitempty"`
	Domain      string       `json:"domain,omitempty"`
}

func (w *storageWire) resourceID() string { return w.Type }

// sentSecrets are the cloud credentials the body carries (see secretBody).
func (w *storageWire) sentSecrets() []string {
	return []string{w.Config.SecretKey, w.Config.AccountKey}
}

// storage returns the decoded answer.
func (w *storageWire) storage() *ArchiveStorage {
	s := &ArchiveStorage{Fallback: w.Fallback}
	c := w.Config
	switch strings.ToLower(w.Type) {
	case "s3":
		s.Target = S3Storage{AccessKey: c.AccessKey, SecretKey: c.SecretKey, Bucket: c.Bucket, Endpoint: c.Endpoint, SSE: c.SSE}
	case "azure":
		s.Target = AzureStorage{AccountName: c.AccountName, AccountKey: c.AccountKey, Container: c.Container, Domain: c.Domain}
	}
	return s
}

// MarshalJSON writes the storage with its target's kind ("s3" or "azure")
// and fields, credentials included.
func (s ArchiveStorage) MarshalJSON() ([]byte, error) {
	out := struct {
		Type     string          `json:"type,omitempty"`
		Target   StorageTarget   `json:"config,omitempty"`
		Fallback StorageFallback `json:"fallback,omitempty"`
	}{Target: targetValue(s.Target), Fallback: s.Fallback}
	if out.Target != nil {
		out.Type = out.Target.storageType()
	}
	return json.Marshal(out)
}

// body validates the storage and returns the request body.
func (s *ArchiveStorage) body() (*storageWire, error) {
	switch s.Fallback {
	case "", FallbackNone, FallbackOpenTok:
	default:
		return nil, invalid("fallback", "must be none or opentok, not %q", string(s.Fallback))
	}
	w := &storageWire{Fallback: s.Fallback}
	required := func(field, v string) error {
		if v == "" {
			return invalid(field, "is required")
		}
		return checkText(field, v, true)
	}
	switch t := targetValue(s.Target).(type) {
	case S3Storage:
		w.Type = "s3"
		for _, f := range []struct{ name, v string }{{"config.accessKey", t.AccessKey},
			{"config.secretKey", t.SecretKey}, {"config.bucket", t.Bucket}} {
			if err := required(f.name, f.v); err != nil {
				return nil, err
			}
		}
		if t.Endpoint != "" {
			if err := checkHTTPURL("config.endpoint", t.Endpoint, 0, 2048); err != nil {
				return nil, err
			}
			if u, _ := url.Parse(t.Endpoint); u.User != nil {
				return nil, invalid("config.endpoint", "must not hold user info (user:password@): give the credentials as AccessKey and SecretKey")
			}
		}
		switch t.SSE {
		case "", S3EncryptionNone, S3EncryptionS3:
		default:
			return nil, invalid("config.sse", "must be none or s3, not %q", string(t.SSE))
		}
		w.Config = storageConfigWire{AccessKey: t.AccessKey, SecretKey: t.SecretKey, Bucket: t.Bucket,
			Endpoint: t.Endpoint, SSE: t.SSE}
	case AzureStorage:
		w.Type = "azure"
		for _, f := range []struct{ name, v string }{{"config.accountName", t.AccountName},
			{"config.accountKey", t.AccountKey}, {"config.container", t.Container}} {
			if err := required(f.name, f.v); err != nil {
				return nil, err
			}
		}
		if t.Domain != "" && (strings.ContainsAny(t.Domain, "/:?#@ ") || checkText("config.domain", t.Domain, true) != nil) {
			return nil, invalid("config.domain", "must be a host name such as core.windows.net, without a scheme or path")
		}
		w.Config = storageConfigWire{AccountName: t.AccountName, AccountKey: t.AccountKey, Container: t.Container, Domain: t.Domain}
	default: // nil, or a nil *S3Storage or *AzureStorage
		return nil, invalid("type", "a target is required: an opentok.S3Storage or an opentok.AzureStorage")
	}
	return w, nil
}

// SetArchiveStorage sets where the platform uploads the project's archives:
// an S3 bucket or an Azure container, and what happens when an upload fails
// (storage.Fallback). An archive uploaded to the target ends with status
// [ArchiveUploaded] and no download URL. It returns the configuration the
// platform echoes.
//
// REST: PUT /v2/project/{apiKey}/archive/storage with
// {"type":"s3","config":{"accessKey","secretKey","bucket","endpoint","sse"},"fallback"}
// or {"type":"azure","config":{"accountName","accountKey","container","domain"},"fallback"};
// options left empty are not sent.
//
// Errors: [*ValidationError] (nothing is sent) with Vonage credentials
// (field "credentials"), without a target (a nil *S3Storage or
// *AzureStorage is none), for a missing access key, secret key or bucket
// (S3) or account name, account key or container (Azure), an endpoint that
// is not an absolute http(s) URL or holds user info, an SSE other than none or
// s3, a domain that is not a host name, a fallback other than none or
// opentok. [*APIError]
// otherwise (400 for a configuration the platform refuses, 403 for rejected
// credentials). No error quotes a credential.
func (ot *OpenTok) SetArchiveStorage(ctx context.Context, storage ArchiveStorage) (*ArchiveStorage, error) {
	if err := ot.checkProjectCredentials("an archive upload target"); err != nil {
		return nil, err
	}
	body, err := storage.body()
	if err != nil {
		return nil, err
	}
	var w storageWire
	if err := ot.do(ctx, &request{method: http.MethodPut, path: ot.projectPath("archive", "storage"), body: body, out: &w, idField: "type"}); err != nil {
		return nil, err
	}
	return w.storage(), nil
}

// DeleteArchiveStorage removes the project's archive upload target: archives
// stay on the platform from then on.
//
// REST: DELETE /v2/project/{apiKey}/archive/storage; 204.
//
// Errors: [*ValidationError] with Vonage credentials (nothing is sent);
// [*APIError] otherwise; [*TransportError] when no answer came. A 404 on a
// retry after an attempt whose answer was lost is success.
func (ot *OpenTok) DeleteArchiveStorage(ctx context.Context) error {
	if err := ot.checkProjectCredentials("an archive upload target"); err != nil {
		return err
	}
	return ot.do(ctx, &request{method: http.MethodDelete, path: ot.projectPath("archive", "storage"), removal: true})
}
