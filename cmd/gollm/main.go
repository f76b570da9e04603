// Command gollm runs small language models from GGUF files on the CPU.
//
// Usage:
//
//	gollm <command> [flags] [args]
//
// Run "gollm -h" for the list of commands and "gollm <command> -h" for the
// flags of one.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/gollm/gollm"
)

// command is one gollm subcommand. Each lives in its own file and registers
// itself from an init function.
type command struct {
	name    string
	summary string
	// run executes the command with the arguments after its name. Errors
	// are printed as one line on stderr by main.
	run func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

// errUsage marks a bad command line (wrapped by usageError): main prints
// the one-line message and exits with status 2.
var errUsage = errors.New("usage")

// usageError reports a bad command line in one line that names the
// problem and points at the command's -h.
func usageError(fs *flag.FlagSet, msg string) error {
	return fmt.Errorf("%w: %s (see %s -h)", errUsage, msg, fs.Name())
}

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, `gollm: missing command (run "gollm -h" for the list)`)
		return 2
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	if args[0] == "version" || args[0] == "--version" {
		v := version
		if v == "" {
			v = gollm.Version()
		}
		fmt.Fprintln(stdout, "gollm", v)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "gollm: unknown command %q (run \"gollm -h\" for the list)\n", args[0])
		return 2
	}
	if err := c.run(args[1:], stdout, stderr); err != nil {
		switch {
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "gollm %s: %s\n", c.name, oneLine(strings.TrimPrefix(err.Error(), errUsage.Error()+": ")))
			return 2
		}
		fmt.Fprintf(stderr, "gollm %s: %s\n", c.name, oneLine(strings.TrimPrefix(err.Error(), "gollm: ")))
		return 1
	}
	return 0
}

// version is stamped at release time with -ldflags "-X main.version=...";
// otherwise gollm version reports the module version of the build
// information (gollm.Version).
var version string

func usage(w io.Writer) {
	fmt.Fprintln(w, "gollm runs small language models from GGUF files on the CPU.")
	fmt.Fprintln(w, "\nUsage: gollm <command> [flags] [args]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun \"gollm <command> -h\" for the flags of a command.")
}

// newFlags returns a flag set for a subcommand. -h prints its usage to
// stdout (parseFlags); a bad flag is reported in one line, without it.
func newFlags(name, argsUsage string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("gollm "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: gollm %s %s\n\nFlags:\n", name, argsUsage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parseFlags parses args: -h prints the usage and returns flag.ErrHelp,
// a bad flag is a usage error naming it (the flag package calls Usage on
// errors too, so it is silenced during Parse).
func parseFlags(fs *flag.FlagSet, args []string) error {
	usage := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.Usage = usage
	switch {
	case errors.Is(err, flag.ErrHelp):
		usage()
		return err
	case err != nil:
		return usageError(fs, err.Error())
	}
	return nil
}

// oneLine folds an error message onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
