package opentok_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/opentok-go/opentok"
)

func ExampleOpenTok_SetArchiveStorage() {
	srv := startFake()
	defer srv.Close()
	ot := srv.Client() // in your code: opentok.New(apiKey, apiSecret)
	ctx := context.Background()

	// Archives of the project are uploaded to this bucket; if an upload
	// fails they stay on the platform (FallbackOpenTok).
	target, err := ot.SetArchiveStorage(ctx, opentok.ArchiveStorage{
		Target: opentok.S3Storage{
			AccessKey: "AKIAIOSFODNN7EXAMPLE",
			SecretKey: "made-up-secret-key", // from your secret store
			Bucket:    "my-archives",
			SSE:       opentok.S3EncryptionS3,
		},
		Fallback: opentok.FallbackOpenTok,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", target.Target) // the secret key prints as REDACTED

	// An archive of the project now ends "uploaded", with no download URL.
	sessionID, _ := joined(ctx, srv, ot)
	a, err := ot.StartArchive(ctx, sessionID, nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := ot.StopArchive(ctx, a.ID); err != nil {
		log.Fatal(err)
	}
	srv.CompleteArchive(a.ID)
	a, err = ot.GetArchive(ctx, a.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.Status, a.URL == "")

	// Remove the target: archives stay on the platform again.
	if err := ot.DeleteArchiveStorage(ctx); err != nil {
		log.Fatal(err)
	}
	// Output:
	// {AccessKey:AKIAIOSFODNN7EXAMPLE SecretKey:REDACTED Bucket:my-archives Endpoint: SSE:s3}
	// uploaded true
}

func ExampleNewAccount() {
	srv := startFake()
	defer srv.Close()
	ctx := context.Background()

	// The account-level key and secret (Account Settings → OpenTok REST API
	// → View account keys); in your code:
	// opentok.NewAccount(os.Getenv("OPENTOK_ACCOUNT_KEY"), os.Getenv("OPENTOK_ACCOUNT_SECRET"))
	acct, err := opentok.NewAccount(srv.AccountKey, srv.AccountSecret, opentok.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}

	// One project per customer, with its own API key and secret.
	p, err := acct.CreateProject(ctx, &opentok.ProjectOptions{Name: "customer-42"})
	if err != nil {
		log.Fatal(err)
	}
	// p.Secret is the project's API secret, a plain string to store in
	// your secret store; printed as part of the project it shows REDACTED.
	fmt.Printf("%v %v %d\n", p.Name, p.Status, len(p.Secret))
	fmt.Println(strings.Contains(fmt.Sprintf("%+v", p), "Secret:REDACTED"))

	// Its credentials work at once.
	ot, err := p.Client(opentok.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	s, err := ot.CreateSession(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.ProjectID == p.ID)
	// Output:
	// customer-42 ACTIVE 40
	// true
	// true
}

func ExampleAccount_SetProjectStatus() {
	srv := startFake()
	defer srv.Close()
	ctx := context.Background()
	acct, err := srv.AccountClient() // in your code: opentok.NewAccount(accountKey, accountSecret)
	if err != nil {
		log.Fatal(err)
	}
	p, err := acct.CreateProject(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	ot, err := p.Client(opentok.WithBaseURL(srv.URL), opentok.WithRetry(opentok.RetryPolicy{MaxRetries: 0}))
	if err != nil {
		log.Fatal(err)
	}

	// A suspended project's REST calls and tokens stop working.
	if _, err := acct.SetProjectStatus(ctx, p.ID, opentok.ProjectSuspended); err != nil {
		log.Fatal(err)
	}
	_, err = ot.CreateSession(ctx, nil)
	fmt.Println(errors.Is(err, opentok.ErrForbidden))

	// Reactivate it, and replace its secret: the old one stops working.
	if _, err := acct.SetProjectStatus(ctx, p.ID, opentok.ProjectActive); err != nil {
		log.Fatal(err)
	}
	fresh, err := acct.RefreshProjectSecret(ctx, p.ID)
	if err != nil {
		log.Fatal(err)
	}
	_, err = ot.CreateSession(ctx, nil)
	fmt.Println(errors.Is(err, opentok.ErrForbidden))
	ot, err = fresh.Client(opentok.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	_, err = ot.CreateSession(ctx, nil)
	fmt.Println(err)

	// Every project of the account: the fake's own and this one.
	projects, err := acct.ListProjects(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(projects.Items), projects.Total)
	// Output:
	// true
	// true
	// <nil>
	// 2 2
}
