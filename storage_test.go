package opentok

import (
	"context"
	"encoding/json"
	"fmt"
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
