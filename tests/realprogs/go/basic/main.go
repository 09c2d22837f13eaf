// basic: what most Go programs do at start-up and soon after: timers, goroutines and
// channels, os.Pipe, os.Open, os/exec with captured output, signal.Notify and tickers.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

func main() {
	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	fmt.Println("slept", time.Since(start) >= 20*time.Millisecond)

	var wg sync.WaitGroup
	ch := make(chan int, 10)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(n int) { defer wg.Done(); ch <- n * n }(i)
	}
	wg.Wait()
	close(ch)
	sum := 0
	for v := range ch {
		sum += v
	}
	fmt.Println("sum", sum)

	r, w, err := os.Pipe()
	if err != nil {
		fmt.Println("pipe", err)
		os.Exit(1)
	}
	go func() { w.Write([]byte("through a pipe")); w.Close() }()
	buf := make([]byte, 64)
	n, _ := r.Read(buf)
	fmt.Println(string(buf[:n]))

	f, err := os.Open("go.mod")
	if err == nil {
		head := make([]byte, 6)
		f.Read(head)
		fmt.Printf("open %q\n", head)
		f.Close()
	}

	out, err := exec.Command("/bin/busybox", "echo", "from a child").Output()
	fmt.Printf("exec %q %v\n", out, err)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1)
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	fmt.Println("signal", <-sigs)

	t := time.NewTicker(5 * time.Millisecond)
	for i := 0; i < 3; i++ {
		<-t.C
	}
	t.Stop()
	fmt.Println("ticks done")
	select {
	case <-time.After(10 * time.Millisecond):
		fmt.Println("timer fired")
	}
}
