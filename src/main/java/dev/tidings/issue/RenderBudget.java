package dev.tidings.issue;

import dev.tidings.common.Units;
import io.quarkus.qute.ResolutionContext;

/**
 * What one render of a writer's template may cost. Each template charges its nodes (expressions,
 * sections, text) before it renders, and loops charge before they run: the number of iterations
 * times the template nodes each one repeats (nested loops charge again per outer iteration), so
 * the work, and the tree of results Qute builds, is bounded before it is done.
 * The output is counted as it is written. One budget per render; not shared between threads.
 */
final class RenderBudget {

    static final String ATTRIBUTE = "tidings.render-budget";

    private final long maxSteps;
    private final long maxOutput;
    private long steps;
    private long output;

    RenderBudget(long maxSteps, long maxOutput) {
        this.maxSteps = maxSteps;
        this.maxOutput = maxOutput;
    }

    static RenderBudget of(ResolutionContext context) {
        return (RenderBudget) context.getAttribute(ATTRIBUTE);
    }

    /** A template's own nodes, each evaluated once per render: charged before it renders. */
    void spendNodes(long nodes) {
        steps += nodes;
        if (steps > maxSteps) {
            throw new RenderRefused("the template exceeds its render budget: it has more than " + maxSteps
                    + " expressions and sections in all (subject, HTML and text); use fewer");
        }
    }

    void spendLoop(long iterations, long nodesPerIteration) {
        steps += iterations * nodesPerIteration;
        if (iterations > maxSteps || steps > maxSteps) {
            throw new RenderRefused("the template exceeds its render budget: its loops would repeat more than "
                    + maxSteps + " template steps (iterations × what each repeats); loop over shorter lists");
        }
    }

    void write(StringBuilder out, String chunk) {
        output += chunk.length();
        if (output > maxOutput) {
            throw new RenderRefused(
                    "the template exceeds its render budget: one mail would be longer than " + Units.bytes(maxOutput));
        }
        out.append(chunk);
    }
}
