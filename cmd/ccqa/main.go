// Command ccqa is the call-center QA analytics pipeline: it ingests call, chat, survey and order
// events from Kafka into ClickHouse, computes agent metrics there, and serves the people who grade
// and pay agents. Run `ccqa help` for the subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], &env{stdout: os.Stdout, stderr: os.Stderr, stdin: os.Stdin})
	stop()
	if err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(os.Stderr, "ccqa:", err)
			os.Exit(2)
		}
		if errors.Is(err, errHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "ccqa:", err)
		os.Exit(1)
	}
}
