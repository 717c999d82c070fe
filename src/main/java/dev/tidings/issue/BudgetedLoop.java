package dev.tidings.issue;

import io.quarkus.qute.Expression;
import io.quarkus.qute.LoopSectionHelper;
import io.quarkus.qute.ResultNode;
import io.quarkus.qute.Results;
import io.quarkus.qute.Scope;
import io.quarkus.qute.SectionBlock;
import io.quarkus.qute.SectionHelper;
import io.quarkus.qute.SectionHelperFactory;
import io.quarkus.qute.TemplateNode;
import java.lang.reflect.Array;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Qute's {@code {#for}}/{@code {#each}} with a budget: before the loop runs, it looks at what it
 * would iterate, refuses anything but a list or map of the data (Qute would count up to a number,
 * {@code {#for i in 2000000000}}), and charges the render's {@link RenderBudget} with the number of
 * iterations times the template nodes each one repeats. Then Qute's own loop runs (aliases,
 * {@code it_index}, {@code {#else}} and all). A missing value loops zero times.
 */
final class BudgetedLoop implements SectionHelper {

    private static final String ITERABLE = "iterable";

    private final SectionHelper loop;
    private final Expression iterable;
    private final long nodesPerIteration;
    private final SectionBlock elseBlock;

    private BudgetedLoop(SectionHelper loop, Expression iterable, long nodesPerIteration, SectionBlock elseBlock) {
        this.loop = loop;
        this.iterable = iterable;
        this.nodesPerIteration = nodesPerIteration;
        this.elseBlock = elseBlock;
    }

    @Override
    public CompletionStage<ResultNode> resolve(SectionResolutionContext context) {
        return context.evaluate(iterable).thenCompose(value -> {
            if (value == null || Results.isNotFound(value)) {
                return elseBlock != null ? context.execute(elseBlock, context.resolutionContext()) : ResultNode.NOOP;
            }
            long iterations = iterations(value);
            RenderBudget budget = RenderBudget.of(context.resolutionContext());
            if (budget != null) {
                budget.spendLoop(iterations, nodesPerIteration);
            }
            return loop.resolve(context);
        });
    }

    /** How many times a loop over {@code value} runs; only lists, maps and arrays may be looped over. */
    private long iterations(Object value) {
        if (value instanceof Collection<?> collection) {
            return collection.size();
        }
        if (value instanceof Map<?, ?> map) {
            return map.size();
        }
        if (value.getClass().isArray()) {
            return Array.getLength(value);
        }
        if (value instanceof io.vertx.core.json.JsonArray array) {
            return array.size();
        }
        if (value instanceof io.vertx.core.json.JsonObject object) {
            return object.size();
        }
        String what = value instanceof Number ? "a number" : value instanceof CharSequence ? "text" : "a value";
        throw new RenderRefused("loops ({#for}, {#each}) go over a list or map of the subscriber's data;" + " {"
                + iterable.toOriginalString() + "} is " + what + " here");
    }

    /** The nodes a block repeats, counting into nested sections (an over-estimate for if/else: safe). */
    static long nodes(List<TemplateNode> nodes) {
        long count = 0;
        for (TemplateNode node : nodes) {
            count++;
            if (node.isSection()) {
                for (SectionBlock block : node.asSection().getBlocks()) {
                    count += nodes(block.nodes);
                }
            }
        }
        return count;
    }

    /** Registers as "for" and "each", exactly like Qute's loop, whose parsing it reuses. */
    static final class Factory implements SectionHelperFactory<SectionHelper> {

        private final LoopSectionHelper.Factory qute = new LoopSectionHelper.Factory();

        @Override
        public List<String> getDefaultAliases() {
            return qute.getDefaultAliases();
        }

        @Override
        public ParametersInfo getParameters() {
            return qute.getParameters();
        }

        @Override
        public List<String> getBlockLabels() {
            return qute.getBlockLabels();
        }

        @Override
        public boolean cacheFactoryConfig() {
            return qute.cacheFactoryConfig();
        }

        @Override
        public boolean treatUnknownSectionsAsBlocks() {
            return qute.treatUnknownSectionsAsBlocks();
        }

        @Override
        public MissingEndTagStrategy missingEndTagStrategy() {
            return qute.missingEndTagStrategy();
        }

        @Override
        public Scope initializeBlock(Scope outerScope, BlockInfo block) {
            return qute.initializeBlock(outerScope, block);
        }

        @Override
        public SectionHelper initialize(SectionInitContext context) {
            SectionBlock main = context.getBlocks().get(0);
            return new BudgetedLoop(
                    qute.initialize(context),
                    context.getExpression(ITERABLE),
                    1 + nodes(main.nodes),
                    context.getBlock("else"));
        }
    }
}
