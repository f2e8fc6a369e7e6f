// Command pilu is the Pilu disclosure portal: `pilu serve` (the default) runs it; see README.md for
// the other commands.
package main

import (
	"os"

	"pilu/app/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
