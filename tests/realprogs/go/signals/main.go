// signals: SIGCHLD and SIGUSR1 through signal.Notify while children run and exit, a child
// killed by a signal, exit statuses through os/exec, and a goroutine pool under load.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"sync"
	"syscall"
	"time"
)

func main() {
	chld := make(chan os.Signal, 16)
	signal.Notify(chld, syscall.SIGCHLD)
	err := exec.Command("/bin/busybox", "sh", "-c", "exit 7").Run()
	if ee, ok := err.(*exec.ExitError); ok {
		fmt.Println("exit status", ee.ExitCode())
	}
	cmd := exec.Command("/bin/busybox", "sleep", "5")
	cmd.Start()
	cmd.Process.Signal(syscall.SIGTERM)
	err = cmd.Wait()
	fmt.Println("killed:", err)
	select {
	case s := <-chld:
		fmt.Println("got", s)
	case <-time.After(2 * time.Second):
		fmt.Println("no SIGCHLD")
	}

	usr := make(chan os.Signal, 1)
	signal.Notify(usr, syscall.SIGUSR1)
	go func() {
		time.Sleep(10 * time.Millisecond)
		syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	}()
	fmt.Println("waited for", <-usr)

	var mu sync.Mutex
	var results []int
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			s := 0
			for k := 0; k < 20000*(n+1); k++ {
				s += k % (n + 3)
			}
			mu.Lock()
			results = append(results, s)
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	sort.Ints(results)
	fmt.Println("pool", len(results), results[0], results[len(results)-1])

	out, err := exec.Command("/bin/busybox", "sh", "-c", "echo out; echo err >&2").CombinedOutput()
	fmt.Printf("combined %q %v\n", out, err)
}
