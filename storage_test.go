package opentok

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testS3Secret    = "made-up-s3-secret-key+Ab12"
	testAzureSecret = "made-up-azure-account-key=="
)

func fullS3Storage() ArchiveStorage {
	return ArchiveStorage{
		Target: S3Storage{AccessKey: "AKIAMADEUPACCESSKEY", SecretKey: testS3Secret, Bucket: "example.com.archive-bucket",
			Endpoint: "https://storage.googleapis.com", SSE: S3EncryptionS3},
		Fallback: FallbackOpenTok,
	}
}

func TestArchiveStorageRequests(t *testing.T) {
	runOpCases(t, openTokOnly(), []opCase{
		{
			name: "set S3 with every option",
			call: func(ctx context.Context, ot *OpenTok) error {
				in := fullS3Storage()
				_, err := ot.SetArchiveStorage(ctx, in)
				return err
			},
			method: http.MethodPut, path: "/archive/storage", golden: "archive_storage_s3_full",
			answer: fixture(t, "responses/archive_storage_s3_response.json"),
		},
		{
			name: "set S3 minimal",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.SetArchiveStorage(ctx, ArchiveStorage{Target: S3Storage{AccessKey: "AK", SecretKey: "sk", Bucket: "b"}})
				return err
			},
			method: http.MethodPut, path: "/archive/storage", golden: "archive_storage_s3_minimal",
			answer: `{"type":"s3","config":{"accessKey":"AK","secretKey":"sk","bucket":"b"}}`,
		},
		{
			name: "set Azure",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.SetArchiveStorage(ctx, ArchiveStorage{Target: AzureStorage{AccountName: "myaccount",
					AccountKey: testAzureSecret, Container: "archives", Domain: "core.chinacloudapi.cn"}, Fallback: FallbackNone})
				return err
			},
			method: http.MethodPut, path: "/archive/storage", golden: "archive_storage_azure",
			answer: fixture(t, "responses/archive_storage_azure_response.json"),
		},
		{
			name:   "delete, 204",
			call:   func(ctx context.Context, ot *OpenTok) error { return ot.DeleteArchiveStorage(ctx) },
			method: http.MethodDelete, path: "/archive/storage", status: http.StatusNoContent,
		},
	})
}

func TestArchiveStorageDecodesTheAnswer(t *testing.T) {
	ot := clientsServing(t, 200, fixture(t, "responses/archive_storage_s3_response.json"))["opentok"]
	got, err := ot.SetArchiveStorage(context.Background(), fullS3Storage())
	require.NoError(t, err)
	assert.Equal(t, fullS3Storage(), *got, "the echoed configuration, its secret key as a Secret")

	ot = clientsServing(t, 200, fixture(t, "responses/archive_storage_azure_response.json"))["opentok"]
	got, err = ot.SetArchiveStorage(context.Background(), ArchiveStorage{Target: AzureStorage{AccountName: "a", AccountKey: "k", Container: "c"}})
	require.NoError(t, err)
	az, ok := got.Target.(AzureStorage)
	require.True(t, ok, "%T", got.Target)
	assert.Equal(t, testAzureSecret, az.AccountKey)
	assert.Equal(t, "core.chinacloudapi.cn", az.Domain)
	assert.Equal(t, FallbackNone, got.Fallback)

	ot = clientsServing(t, 200, `{"fallback":"none"}`)["opentok"]
	_, err = ot.SetArchiveStorage(context.Background(), fullS3Storage())
	assert.ErrorIs(t, err, ErrBadResponse, "an answer without a type")
}

func TestArchiveStorageValidation(t *testing.T) {
	s3 := func(edit func(*S3Storage)) ArchiveStorage {
		t := S3Storage{AccessKey: "AK", SecretKey: "sk", Bucket: "b"}
		edit(&t)
		return ArchiveStorage{Target: t}
	}
	az := func(edit func(*AzureStorage)) ArchiveStorage {
		t := AzureStorage{AccountName: "a", AccountKey: "k", Container: "c"}
		edit(&t)
		return ArchiveStorage{Target: t}
	}
	set := func(s ArchiveStorage) func(ctx context.Context, ot *OpenTok) error {
		return func(ctx context.Context, ot *OpenTok) error { _, err := ot.SetArchiveStorage(ctx, s); return err }
	}
	runBadCases(t, openTokOnly(), badCases([]vcase{
		{"no target", set(ArchiveStorage{Fallback: FallbackNone}), "type"},
		{"unknown fallback", set(ArchiveStorage{Target: S3Storage{}, Fallback: "s3"}), "fallback"},
		{"S3 without access key", set(s3(func(t *S3Storage) { t.AccessKey = "" })), "config.accessKey"},
		{"S3 without secret key", set(s3(func(t *S3Storage) { t.SecretKey = "" })), "config.secretKey"},
		{"S3 secret key with a line break", set(s3(func(t *S3Storage) { t.SecretKey = "a\nb" })), "config.secretKey"},
		{"S3 without bucket", set(s3(func(t *S3Storage) { t.Bucket = "" })), "config.bucket"},
		{"S3 endpoint without scheme", set(s3(func(t *S3Storage) { t.Endpoint = "s3.cloudianhyperstore.com" })), "config.endpoint"},
		{"S3 endpoint ftp", set(s3(func(t *S3Storage) { t.Endpoint = "ftp://s3.example.com" })), "config.endpoint"},
		{"S3 unknown sse", set(s3(func(t *S3Storage) { t.SSE = "kms" })), "config.sse"},
		{"Azure without account name", set(az(func(t *AzureStorage) { t.AccountName = "" })), "config.accountName"},
		{"Azure without account key", set(az(func(t *AzureStorage) { t.AccountKey = "" })), "config.accountKey"},
		{"Azure without container", set(az(func(t *AzureStorage) { t.Container = "" })), "config.container"},
		{"Azure domain with a scheme", set(az(func(t *AzureStorage) { t.Domain = "https://core.windows.net" })), "config.domain"},
	}))
	runBadCases(t, credKinds()[1:], badCases([]vcase{
		{"set with Vonage credentials", set(fullS3Storage()), "credentials"},
		{"delete with Vonage credentials", func(ctx context.Context, ot *OpenTok) error { return ot.DeleteArchiveStorage(ctx) }, "credentials"},
	}))
}

func TestArchiveStorageNeverPrintsItsCredentials(t *testing.T) {
	s3 := fullS3Storage()
	azure := ArchiveStorage{Target: AzureStorage{AccountName: "a", AccountKey: testAzureSecret, Container: "c"}}
	for _, v := range []any{s3, &s3, azure, &azure, s3.Target, struct{ S *ArchiveStorage }{&s3}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d"} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, testS3Secret, "%s of %T", verb, v)
			assert.NotContains(t, out, testAzureSecret, "%s of %T", verb, v)
		}
	}
	js, _ := json.Marshal(s3)
	assert.JSONEq(t, `{"type":"s3","config":{"AccessKey":"AKIAMADEUPACCESSKEY","SecretKey":"made-up-s3-secret-key+Ab12","Bucket":"example.com.archive-bucket",
		"Endpoint":"https://storage.googleapis.com","SSE":"s3"},"fallback":"opentok"}`, string(js), "the JSON carries the key")

	ts := sweepServer(t, 500, `{"code":500,"message":"storage error"}`)
	_, err := credKinds()[0].client(t, ts.baseURL()).SetArchiveStorage(context.Background(), s3)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testS3Secret)
	assert.True(t, strings.Contains(string(ts.requests()[0].Body), testS3Secret), "the real key goes in the request only")
}

// A pointer target (&S3Storage{...}) skipped validation and sent
// {"type":"","config":{}}; a nil one did too, and made MarshalJSON panic.
// A pointer is now read as the value it points to and a nil one is no
// target. An S3 endpoint with user info was accepted (and printed): it is
// refused, and never printed.
func TestArchiveStoragePointerTargetsAndEndpointUserInfo(t *testing.T) {
	ctx := context.Background()
	valid := S3Storage{AccessKey: "AK", SecretKey: "sk", Bucket: "b"}
	validAz := AzureStorage{AccountName: "a", AccountKey: "k", Container: "c"}
	set := func(s ArchiveStorage) func(ctx context.Context, ot *OpenTok) error {
		return func(ctx context.Context, ot *OpenTok) error { _, err := ot.SetArchiveStorage(ctx, s); return err }
	}
	runBadCases(t, openTokOnly(), badCases([]vcase{
		{"empty *S3Storage", set(ArchiveStorage{Target: &S3Storage{}}), "config.accessKey"},
		{"empty *AzureStorage", set(ArchiveStorage{Target: &AzureStorage{}}), "config.accountName"},
		{"nil *S3Storage", set(ArchiveStorage{Target: (*S3Storage)(nil)}), "type"},
		{"nil *AzureStorage", set(ArchiveStorage{Target: (*AzureStorage)(nil)}), "type"},
		{"*S3Storage with a bad endpoint", set(ArchiveStorage{Target: &S3Storage{AccessKey: "AK", SecretKey: "sk", Bucket: "b", Endpoint: "ftp://x"}}), "config.endpoint"},
		{"S3 endpoint with user and password", set(ArchiveStorage{Target: S3Storage{AccessKey: "AK", SecretKey: "sk", Bucket: "b",
			Endpoint: "https://minio:hunter2-pw@s3.example.com"}}), "config.endpoint"},
		{"S3 endpoint with a user", set(ArchiveStorage{Target: S3Storage{AccessKey: "AK", SecretKey: "sk", Bucket: "b",
			Endpoint: "https://minio@s3.example.com"}}), "config.endpoint"},
	}))
	ts := sweepServer(t, 500, `{}`)
	_, err := credKinds()[0].client(t, ts.baseURL()).SetArchiveStorage(ctx, ArchiveStorage{Target: S3Storage{AccessKey: "AK", SecretKey: "sk",
		Bucket: "b", Endpoint: "https://minio:hunter2-pw@s3.example.com"}})
	require.ErrorIs(t, err, ErrInvalidArgument)
	assert.NotContains(t, err.Error(), "hunter2")
	assert.NotContains(t, err.Error(), "minio")
	assert.Empty(t, ts.requests())

	// A valid pointer target sends what its value sends.
	for name, pair := range map[string][2]ArchiveStorage{
		"s3":    {{Target: valid}, {Target: &valid}},
		"azure": {{Target: validAz, Fallback: FallbackOpenTok}, {Target: &validAz, Fallback: FallbackOpenTok}},
	} {
		var bodies [2][]byte
		for i, s := range pair {
			ts := sweepServer(t, 200, `{"type":"`+name+`","config":{}}`)
			_, err := credKinds()[0].client(t, ts.baseURL()).SetArchiveStorage(ctx, s)
			require.NoError(t, err, name)
			bodies[i] = ts.only(t).Body
		}
		assert.JSONEq(t, string(bodies[0]), string(bodies[1]), name)
		assert.Contains(t, string(bodies[1]), `"type":"`+name+`"`)

		js0, err := json.Marshal(pair[0])
		require.NoError(t, err)
		js1, err := json.Marshal(pair[1])
		require.NoError(t, err)
		assert.JSONEq(t, string(js0), string(js1), "MarshalJSON of a pointer target")
	}
	js, err := json.Marshal(ArchiveStorage{Target: (*S3Storage)(nil), Fallback: FallbackNone})
	require.NoError(t, err, "a nil pointer target is no target")
	assert.JSONEq(t, `{"fallback":"none"}`, string(js))

	// User info is never printed, whatever the verb, through a pointer too.
	withUser := S3Storage{AccessKey: "AK", SecretKey: testS3Secret, Bucket: "b", Endpoint: "https://minio:hunter2-pw@s3.example.com:9000/base"}
	var logged strings.Builder
	logger := slog.New(slog.NewJSONHandler(&logged, nil))
	for _, v := range []any{withUser, &withUser, ArchiveStorage{Target: withUser}, ArchiveStorage{Target: &withUser}} {
		logger.Info("storage", "v", v)
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, "hunter2", "%s of %T", verb, v)
			assert.NotContains(t, out, "minio", "%s of %T", verb, v)
			assert.NotContains(t, out, testS3Secret, "%s of %T", verb, v)
			assert.Contains(t, out, "REDACTED@s3.example.com:9000/base", "%s of %T", verb, v)
		}
	}
	assert.NotContains(t, logged.String(), "hunter2")
	assert.Equal(t, "{Target:<nil> Fallback:}", fmt.Sprintf("%+v", ArchiveStorage{Target: (*S3Storage)(nil)}), "a nil pointer target prints")
}

func TestRedactUserInfo(t *testing.T) {
	for in, want := range map[string]string{
		"":                                 "",
		"https://s3.example.com":           "https://s3.example.com",
		"https://u:p@s3.example.com/a@b":   "https://REDACTED@s3.example.com/a@b",
		"https://u@h":                      "https://REDACTED@h",
		"https://u:p@x@h:1?q=@#@":          "https://REDACTED@h:1?q=@#@",
		"u:p@h/x//y":                       "REDACTED@h/x//y",
		"//u:p@h":                          "//REDACTED@h",
		"https://h/path@not-user-info":     "https://h/path@not-user-info",
		"https://us er:p w@h (not parsed)": "https://REDACTED@h (not parsed)",
	} {
		assert.Equal(t, want, redactUserInfo(in), in)
	}
}
