package pooltag.cli.options;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

import picocli.CommandLine.Option;
import pooltag.core.error.PooltagException;

/**
 * {@code --listen HOST:PORT} ({@code 127.0.0.1:9464}, {@code [::1]:8080}, {@code localhost:0}); each server command
 * gives its own loopback default.
 */
public final class ListenOption {
    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "address to serve on (default: ${DEFAULT-VALUE})")
    String listen;

    public ListenOption(String defaultAddress) {
        this.listen = defaultAddress;
    }

    /** As typed, for messages. */
    public String text() {
        return listen;
    }

    /** @throws PooltagException one line naming --listen, for a value it cannot take */
    public InetSocketAddress address() {
        return parse(listen);
    }

    static InetSocketAddress parse(String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new PooltagException("bad --listen '" + s + "': expected HOST:PORT, e.g. 127.0.0.1:9464");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new PooltagException("bad --listen '" + s + "': port '" + s.substring(colon + 1) + "' is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new PooltagException("bad --listen '" + s + "': port " + port + " is outside 0..65535");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new PooltagException("bad --listen '" + s + "': unknown host '" + host + "'");
        }
    }

    /**
     * The line a server prints when it listens beyond loopback, or null on loopback. One wording for every server
     * command: {@code <command>: listening beyond loopback: anyone who can reach <host> <exposure>}.
     */
    public static String beyondLoopbackWarning(String command, InetSocketAddress a, String exposure) {
        if (a.getAddress().isLoopbackAddress()) {
            return null;
        }
        String host = a.getAddress().isAnyLocalAddress() ? "this machine (every address, "
                + a.getAddress().getHostAddress() + ")" : a.getAddress().getHostAddress();
        return command + ": listening beyond loopback: anyone who can reach " + host + " " + exposure;
    }

    /**
     * Why the server could not listen on {@code --listen}, as one line (exit 2): the address is the user's input, so
     * a refusal from the kernel is bad input, not a pooltag bug. {@code java.net.BindException} covers a port in use
     * and an address not of this machine; a plain {@code SocketException} ("Invalid argument") a link-local IPv6
     * address without its {@code %interface}, among others.
     */
    public PooltagException bindFailure(java.net.SocketException e, String inUseHint) {
        String why = e.getMessage() == null ? "refused" : e.getMessage();
        String lower = why.toLowerCase(java.util.Locale.ROOT);
        String hint;
        if (lower.contains("in use")) {
            hint = inUseHint;
        } else if (lower.contains("assign")) {
            hint = "is it an address of this machine? 127.0.0.1 and 0.0.0.0 always are";
        } else if (lower.contains("invalid argument")) {
            hint = "a link-local IPv6 address needs its interface, e.g. [fe80::1%eth0]; or not an address of this"
                    + " machine";
        } else if (lower.contains("permission")) {
            hint = "ports below 1024 need root or CAP_NET_BIND_SERVICE";
        } else {
            hint = "check the address and port";
        }
        return new PooltagException("cannot listen on " + listen + ": "
                + (why.isEmpty() ? why : Character.toLowerCase(why.charAt(0)) + why.substring(1)) + " (" + hint + ")",
                2, e);
    }

    /**
     * Refuses, before anything is opened or read, an address the kernel cannot bind whatever else runs: an IPv6
     * link-local address without its interface (fe80::/10 is on every interface, so bind(2) must be told which:
     * EINVAL). Other failures are the bind's own ({@link #bindFailure}).
     */
    public void refuseUnbindable(InetSocketAddress addr) {
        if (addr.getAddress() instanceof java.net.Inet6Address a && a.isLinkLocalAddress() && a.getScopeId() == 0
                && a.getScopedInterface() == null) {
            throw new PooltagException("cannot listen on " + listen + ": invalid argument (a link-local IPv6 address"
                    + " needs its interface, e.g. [" + typedHost() + "%eth0])", 2, null);
        }
    }

    /** The host of {@code --listen} as typed, without brackets ({@code fe80::1} of {@code [fe80::1]:9464}). */
    private String typedHost() {
        String host = listen.substring(0, Math.max(0, listen.lastIndexOf(':')));
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** As a URL authority: IPv6 in brackets. */
    public static String authority(InetSocketAddress a, int port) {
        String h = a.getAddress().getHostAddress();
        return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + port;
    }
}
