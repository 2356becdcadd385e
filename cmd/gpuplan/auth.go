package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/events/natsauth"
)

func newAuthCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Issue the credentials of the log's roles (admin, importer, planner, collector per node)",
		Long: `Issue NATS credentials for the event log's roles: a collector publishes only its own node's
inventory, samples and ownership changes; an importer only job events; a planner replays, exports
and records planner runs; only the admin creates, reconfigures, purges or deletes streams.
"gpuplan serve --auth DIR" enforces them, and every command takes one with --creds FILE.`,
	}
	cmd.AddCommand(newAuthInitCmd(), newAuthAddNodeCmd(), newAuthRevokeCmd())
	return cmd
}

func newAuthInitCmd() *cobra.Command {
	var nodes []string
	cmd := &cobra.Command{
		Use:   "init DIR",
		Short: "Create an operator, its accounts and admin.creds, importer.creds, planner.creds, worker.creds in DIR",
		Long: `Create DIR (mode 0700) with a new NATS operator, a system account and the log's account
(operator.jwt, accounts/, and their seeds in keys/: whoever holds keys/GPUPLAN.nk can issue
credentials), and one credentials file per role: admin.creds, importer.creds, planner.creds,
worker.creds (gpuplan worker: sweep tasks in, results out, nothing of the log), and
collector-NODE.creds for each --node. "gpuplan serve --auth DIR" needs operator.jwt, accounts/ and
admin.creds (it creates the streams as admin); hand each other .creds file to its user only.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := natsauth.Init(args[0], natsauth.Options{Nodes: nodes}); err != nil {
				return err
			}
			for _, r := range natsauth.SiteRoles() {
				fmt.Fprintln(cmd.OutOrStdout(), natsauth.CredsPath(args[0], r, ""))
			}
			for _, n := range nodes {
				fmt.Fprintln(cmd.OutOrStdout(), natsauth.CredsPath(args[0], jetstream.RoleCollector, n))
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&nodes, "node", nil, "also issue a collector credential for node `NAME` (repeatable)")
	return cmd
}

func newAuthAddNodeCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "add-node NAME --auth DIR",
		Short: "Issue a collector credential for node NAME (no server restart needed)",
		Long: `Issue DIR/collector-NAME.creds, which publishes only node NAME's inventory, sample batches
and ownership changes. A running "gpuplan serve --auth DIR" accepts it at once: the server trusts
every user the log's account signs.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				return usagef("--auth DIR is required: the directory that gpuplan auth init wrote")
			}
			path, err := natsauth.AddNode(dir, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), path)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "auth", "", "credential `DIR` made by gpuplan auth init")
	return cmd
}

func newAuthRevokeCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "revoke FILE.creds --auth DIR",
		Short: "Refuse a credential from the next start of gpuplan serve --auth DIR on",
		Long: `Put the user of FILE.creds on the revocation list of the log's account in DIR and sign
the account again with the operator's key (DIR/keys/operator.nk). "gpuplan serve --auth DIR"
reads the account at start: restart it to apply. To replace a node's credential, revoke it, remove
the file and run gpuplan auth add-node again.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				return usagef("--auth DIR is required: the directory that gpuplan auth init wrote")
			}
			name, err := natsauth.Revoke(dir, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked %s; restart gpuplan serve --auth %s to apply\n", name, dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "auth", "", "credential `DIR` made by gpuplan auth init")
	return cmd
}
