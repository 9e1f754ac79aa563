package pooltag.windows.analysis;

import java.util.List;
import java.util.Locale;

/**
 * The owner of an allocation stack: its first frame outside the pool allocator and the wrappers drivers allocate
 * through, which is where a tag breakpoint's user looks first.
 *
 * <p>Skipped, innermost first: the kernel's pool routines ({@code nt!ExAllocatePool2},
 * {@code nt!ExAllocatePoolWithTag}, {@code nt!ExpAllocatePoolWithTagFromNode}, {@code nt!ExFreePoolWithTag},
 * Driver Verifier's {@code nt!VerifierExAllocatePool*} and {@code nt!Vi*} thunks, {@code nt!Mm*Pool*}), and every
 * frame of the kernel-mode driver framework ({@code Wdf01000!}: its pool allocator {@code FxPoolAllocator}, the
 * {@code imp_WdfMemoryCreate} entry points and the object constructors that call them), which allocates for
 * the driver that called it. The first frame left is the owner.
 */
public final class OwnerFrame {
    private OwnerFrame() {
    }

    /** The owning frame's call site ({@code MyDriver!Queue::Add+0x3c}), or "" when every frame is the allocator's. */
    public static String of(List<String> frames) {
        for (String f : frames) {
            if (!isAllocator(f)) {
                return f;
            }
        }
        return "";
    }

    /** The module part of a call site ({@code MyDriver} of {@code MyDriver!Add+0x3c}), or "" without one. */
    public static String module(String callSite) {
        int bang = callSite.indexOf('!');
        return bang < 0 ? "" : callSite.substring(0, bang);
    }

    static boolean isAllocator(String callSite) {
        int bang = callSite.indexOf('!');
        String module = bang < 0 ? "" : callSite.substring(0, bang).toLowerCase(Locale.ROOT);
        String fn = bang < 0 ? callSite : callSite.substring(bang + 1);
        if (module.startsWith("wdf01000") || module.equals("wdfldr")) {
            return true;
        }
        if (!module.isEmpty() && !module.equals("nt")) {
            return false;
        }
        return fn.startsWith("ExAllocatePool") || fn.startsWith("ExFreePool") || fn.startsWith("ExpAllocatePool")
                || fn.startsWith("ExpFreePool") || fn.startsWith("ExAllocateHeapPool") || fn.startsWith("ExFreeHeapPool")
                || fn.startsWith("VerifierExAllocatePool") || fn.startsWith("VerifierFreePool")
                || fn.startsWith("ViPool") || fn.startsWith("VfPool") || (fn.startsWith("Mm") && fn.contains("Pool"));
    }
}
