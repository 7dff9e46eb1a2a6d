package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/opentok-go/opentok"
)

const storageHelp = `Sets where the platform uploads the project's archives (OpenTok credentials only): an Amazon
S3 bucket or one of an S3-compatible store (--endpoint), or a Microsoft Azure container.
The cloud credential is never taken from the command line: the S3 secret access key comes
from $AWS_SECRET_ACCESS_KEY or --secret-key-file, the Azure account key from
$AZURE_STORAGE_KEY or --account-key-file. --fallback opentok keeps an archive on the platform
when its upload fails (default none).`

func (a *app) storageCmd() *cobra.Command {
	set := a.leaf("set s3|azure [flags]", "set the project's archive upload target", storageHelp, projectCreds,
		"AWS_SECRET_ACCESS_KEY=... opentok storage set s3 --bucket archives --access-key AKIA... --sse s3",
		"opentok storage set azure --account-name acct --container archives --account-key-file ~/.azure-key --fallback opentok")
	bucket := set.fs.String("bucket", "", "S3 bucket (s3)")
	accessKey := set.fs.String("access-key", "", "S3 access key ID (s3; default $AWS_ACCESS_KEY_ID)")
	secretFile := set.fs.String("secret-key-file", "", "file holding the S3 secret access key (s3; default $AWS_SECRET_ACCESS_KEY)")
	endpoint := set.fs.String("endpoint", "", "base URL of an S3-compatible store (s3; default Amazon)")
	sse := set.enum("sse", "", "server-side encryption: none or s3 (s3)", names(opentok.S3EncryptionNone, opentok.S3EncryptionS3)...)
	accountName := set.fs.String("account-name", "", "storage account name (azure)")
	container := set.fs.String("container", "", "container (azure)")
	azureKeyFile := set.fs.String("account-key-file", "", "file holding the storage account key (azure; default $AZURE_STORAGE_KEY)")
	domain := set.fs.String("domain", "", "storage account domain (azure; default Azure's)")
	fallback := set.enum("fallback", "", "none (default) or opentok: keep the archive on the platform when the upload fails",
		names(opentok.FallbackNone, opentok.FallbackOpenTok)...)
	set.run([]string{"s3|azure"}, func(ctx context.Context, pos []string) error {
		st := opentok.ArchiveStorage{Fallback: opentok.StorageFallback(*fallback)}
		switch pos[0] {
		case "s3":
			key, err := set.secret("S3 secret access key", *secretFile, "AWS_SECRET_ACCESS_KEY", "")
			if err != nil {
				return err
			}
			st.Target = opentok.S3Storage{AccessKey: set.pick(*accessKey, "AWS_ACCESS_KEY_ID"), SecretKey: key,
				Bucket: *bucket, Endpoint: *endpoint, SSE: opentok.S3Encryption(*sse)}
		case "azure":
			key, err := set.secret("Azure account key", *azureKeyFile, "AZURE_STORAGE_KEY", "")
			if err != nil {
				return err
			}
			st.Target = opentok.AzureStorage{AccountName: *accountName, AccountKey: key, Container: *container, Domain: *domain}
		default:
			return usagef("the target is s3 or azure, not %q", printable(pos[0]))
		}
		ot, err := set.client()
		if err != nil {
			return err
		}
		got, err := ot.SetArchiveStorage(ctx, st)
		if err != nil {
			return err
		}
		return printStorage(set, got)
	})
	del := a.leaf("delete", "delete the project's archive upload target",
		"Deletes the archive upload target: archives are kept on the platform again.", projectCreds, "opentok storage delete")
	del.run(nil, func(ctx context.Context, _ []string) error {
		ot, err := del.client()
		if err != nil {
			return err
		}
		if err := ot.DeleteArchiveStorage(ctx); err != nil {
			return err
		}
		return del.done(map[string]any{"deleted": true}, "archive upload target deleted")
	})
	return group("storage", "set or delete the archive upload target (S3 or Azure)", set.cmd, del.cmd)
}

// withoutUserInfo returns the URL raw with its user info (user:password@),
// if any, shown as "REDACTED", and a URL that does not parse but holds an
// '@' not at all.
func withoutUserInfo(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil && strings.Contains(raw, "@"):
		return "(not shown: not a valid URL)"
	case err != nil || u.User == nil:
		return raw
	}
	u.User = url.User("REDACTED")
	return u.String()
}

// printStorage shows the target without its cloud credential, nor any user
// info of the S3 endpoint the platform echoes.
func printStorage(f *cmdFlags, st *opentok.ArchiveStorage) error {
	m := map[string]any{"fallback": st.Fallback}
	var pairs []string
	switch t := st.Target.(type) {
	case opentok.S3Storage:
		endpoint := withoutUserInfo(t.Endpoint)
		m["type"], m["bucket"], m["accessKey"], m["endpoint"], m["sse"] = "s3", t.Bucket, t.AccessKey, endpoint, t.SSE
		pairs = []string{"Type", "s3", "Bucket", t.Bucket, "Access key", t.AccessKey, "Endpoint", endpoint, "SSE", string(t.SSE)}
	case opentok.AzureStorage:
		m["type"], m["accountName"], m["container"], m["domain"] = "azure", t.AccountName, t.Container, t.Domain
		pairs = []string{"Type", "azure", "Account", t.AccountName, "Container", t.Container, "Domain", t.Domain}
	default:
		m["type"] = fmt.Sprintf("%T", t)
	}
	return f.print(m, func(w io.Writer) { kv(w, append(pairs, "Fallback", string(st.Fallback))...) })
}
