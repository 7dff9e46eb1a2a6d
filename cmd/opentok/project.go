package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/opentok-go/opentok"
)

const projectHelp = `Account management: needs the account-level key and secret (OPENTOK_ACCOUNT_KEY or
--account-key, OPENTOK_ACCOUNT_SECRET or --account-secret-file), not a project's.`

func (a *app) projectCmd() *cobra.Command {
	create := a.leaf("create [--name N]", "create a project and print its API key and secret",
		projectHelp+"\nCreates a project and prints its API key and its API secret: this is the one\ncommand, with refresh-secret, that prints a project's secret.", accountCreds,
		"opentok project create --name customer-1",
		"(umask 077 && opentok project create --name customer-1 --json > customer-1.json)   # a file only you can read: it holds the secret")
	name := create.fs.String("name", "", "project name (default: the platform's)")
	create.run(nil, func(ctx context.Context, _ []string) error {
		acct, err := create.account()
		if err != nil {
			return err
		}
		p, err := acct.CreateProject(ctx, &opentok.ProjectOptions{Name: *name})
		if err != nil {
			return err
		}
		return printProject(create, p, true)
	})
	list := a.leaf("list", "list the account's projects", projectHelp+"\nLists the account's projects (without their secrets).", accountCreds,
		"opentok project list --json")
	list.run(nil, func(ctx context.Context, _ []string) error {
		acct, err := list.account()
		if err != nil {
			return err
		}
		items, err := acct.ListProjects(ctx)
		if err != nil {
			return err
		}
		out := make([]map[string]any, 0, len(items.Items))
		for _, p := range items.Items {
			out = append(out, projectJSON(p, false))
		}
		return list.print(map[string]any{"items": out}, func(w io.Writer) {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "API KEY\tSTATUS\tCREATED\tNAME")
			for _, p := range items.Items {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", printable(p.ID), printable(string(p.Status)), timeString(p.CreatedAt), printable(p.Name))
			}
			_ = tw.Flush()
		})
	})
	return group("project", "create and manage the account's projects (account credentials)",
		create.cmd, list.cmd,
		a.projectVerb("get", "show a project (without its secret)", false, func(ctx context.Context, acct *opentok.Account, key string) (*opentok.Project, error) {
			return acct.GetProject(ctx, key)
		}),
		a.projectVerb("suspend", "suspend a project: its credentials are refused", false, func(ctx context.Context, acct *opentok.Account, key string) (*opentok.Project, error) {
			return acct.SetProjectStatus(ctx, key, opentok.ProjectSuspended)
		}),
		a.projectVerb("activate", "activate a suspended project", false, func(ctx context.Context, acct *opentok.Account, key string) (*opentok.Project, error) {
			return acct.SetProjectStatus(ctx, key, opentok.ProjectActive)
		}),
		a.projectVerb("refresh-secret", "replace a project's secret and print the new one", true, func(ctx context.Context, acct *opentok.Account, key string) (*opentok.Project, error) {
			return acct.RefreshProjectSecret(ctx, key)
		}),
		a.projectVerb("delete", "delete a project", false, func(ctx context.Context, acct *opentok.Account, key string) (*opentok.Project, error) {
			return nil, acct.DeleteProject(ctx, key)
		}),
	)
}

// projectVerb is "opentok project <verb> <api-key>"; with withSecret the
// project's secret is printed (refresh-secret, where the user asked for it).
func (a *app) projectVerb(verb, short string, withSecret bool, fn func(ctx context.Context, acct *opentok.Account, key string) (*opentok.Project, error)) *cobra.Command {
	f := a.leaf(verb+" <api-key>", short, projectHelp, accountCreds, "opentok project "+verb+" 12345678")
	return f.run([]string{"<api-key>"}, func(ctx context.Context, pos []string) error {
		acct, err := f.account()
		if err != nil {
			return err
		}
		p, err := fn(ctx, acct, pos[0])
		if err != nil {
			return err
		}
		if p == nil {
			return f.done(map[string]any{"id": pos[0], "deleted": true}, "deleted project "+pos[0])
		}
		return printProject(f, p, withSecret)
	})
}

func projectJSON(p *opentok.Project, withSecret bool) map[string]any {
	m := map[string]any{"id": p.ID, "status": p.Status, "name": p.Name, "environment": p.Environment,
		"createdAt": timeString(p.CreatedAt)}
	if withSecret {
		m["secret"] = p.Secret
	}
	return m
}

func printProject(f *cmdFlags, p *opentok.Project, withSecret bool) error {
	return f.print(projectJSON(p, withSecret), func(w io.Writer) {
		pairs := []string{"API key", p.ID, "Status", string(p.Status), "Name", p.Name, "Environment", p.Environment, "Created", timeString(p.CreatedAt)}
		if withSecret {
			pairs = append(pairs, "API secret", p.Secret)
		}
		kv(w, pairs...)
	})
}
