//go:build !unix

package rollback

import "os/exec"

// killGroupOnCancel keeps exec's default of killing only the process:
// process groups are a Unix notion.
func killGroupOnCancel(*exec.Cmd) {}
