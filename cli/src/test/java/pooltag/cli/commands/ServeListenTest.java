package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import pooltag.cli.options.ListenOption;

/** {@code serve --listen}: an address the kernel refuses is bad input (one line, exit 2), and beyond loopback is said. */
class ServeListenTest {
    @Test
    void aLinkLocalAddressWithoutItsInterfaceIsOneLineAndExit2NotABug() {
        Assumptions.assumeTrue(new java.io.File("/proc/slabinfo").canRead(), "serve reads procfs before binding");
        CliRun r = CliRun.of("serve", "--listen", "[fe80::1]:0");
        assertEquals(2, r.exit(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("pooltag: cannot listen on [fe80::1]:0: invalid argument ("), r.err());
        assertFalse(r.err().contains("bug") || r.err().contains("java."), r.err());
    }

    @Test
    void listeningBeyondLoopbackIsSaidInTheExportersWords() throws Exception {
        assertNull(ListenOption.beyondLoopbackWarning("pooltag serve",
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 8080), "can try the token"));
        String w = ListenOption.beyondLoopbackWarning("pooltag serve",
                new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 8080), "can try the token");
        assertEquals("pooltag serve: listening beyond loopback: anyone who can reach this machine (every address,"
                + " 0.0.0.0) can try the token", w);
    }
}
