package dev.tapio.tools.scenario;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Scores a predicted grouping against the expected one.
 *
 * <p><b>Pairwise</b>: a pair is two distinct events placed in the same group; events in no group form no
 * pairs. Precision is the share of predicted pairs that are also expected pairs, recall the share of
 * expected pairs that are predicted. This rewards getting most of a group right (a group split in two
 * keeps the pairs inside each half) and punishes merging unrelated events (a merge of groups of sizes a
 * and b adds a×b wrong pairs).
 *
 * <p><b>Group-level</b>: a predicted group is correct when its member set equals an expected group's
 * exactly (the pattern name is not compared). Precision is correct predicted groups over predicted
 * groups; recall is expected groups matched exactly over expected groups.
 *
 * <p>A ratio with a zero denominator (nothing predicted, or nothing expected) is undefined: NaN, shown
 * as "-". Totals are micro-averaged: the counts of all scenarios are summed before dividing.
 *
 * <p>An event may be in at most one predicted group (docs/CORRELATION.md: "an event is a member of at
 * most one group"); a prediction that puts one event in two groups is rejected.
 */
public final class GroupingEvaluator
{
    private GroupingEvaluator()
    {
    }

    /** Runs a correlator over a scenario's events file and scores what it returns. */
    public static Score score(final Scenario scenario, final Function<Path, List<ScenarioGroup>> correlator)
    {
        final List<ScenarioGroup> predicted = correlator.apply(scenario.eventsFile());
        try
        {
            return score(scenario.expected(), predicted);
        }
        catch (final IllegalArgumentException e)
        {
            throw new IllegalArgumentException(scenario.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Scores predicted groups against expected ones.
     *
     * @throws IllegalArgumentException when an event is in two predicted groups, or in two expected ones.
     */
    public static Score score(final List<ScenarioGroup> expected, final List<ScenarioGroup> predicted)
    {
        final Map<Long, Integer> expectedGroupOf = index(expected, "expected");
        index(predicted, "predicted");

        long expectedPairs = 0;
        final Set<Set<Long>> expectedSets = new HashSet<>();
        for (final ScenarioGroup g : expected)
        {
            expectedPairs += pairs(g.size());
            expectedSets.add(g.memberSet());
        }
        long predictedPairs = 0;
        long truePairs = 0;
        int correctPredicted = 0;
        final Set<Set<Long>> matchedExpected = new HashSet<>();
        final Map<Integer, Integer> overlap = new HashMap<>();
        for (final ScenarioGroup g : predicted)
        {
            predictedPairs += pairs(g.size());
            overlap.clear();
            for (final Long id : g.events())
            {
                final Integer e = expectedGroupOf.get(id);
                if (e != null)
                {
                    overlap.merge(e, 1, Integer::sum);
                }
            }
            for (final int n : overlap.values())
            {
                truePairs += pairs(n);
            }
            if (expectedSets.contains(g.memberSet()))
            {
                correctPredicted++;
                matchedExpected.add(g.memberSet());
            }
        }
        return new Score(predictedPairs, expectedPairs, truePairs, predicted.size(), expected.size(),
            correctPredicted, matchedExpected.size());
    }

    /** The micro-averaged total of several scores: counts summed. */
    public static Score total(final List<Score> scores)
    {
        Score t = Score.ZERO;
        for (final Score s : scores)
        {
            t = t.plus(s);
        }
        return t;
    }

    private static Map<Long, Integer> index(final List<ScenarioGroup> groups, final String what)
    {
        final Map<Long, Integer> groupOf = new HashMap<>();
        for (int i = 0; i < groups.size(); i++)
        {
            for (final Long id : groups.get(i).events())
            {
                final Integer other = groupOf.putIfAbsent(id, i);
                if (other != null)
                {
                    throw new IllegalArgumentException("event " + ScenarioGroup.hex(id) + " is in two " + what +
                        " groups: " + groups.get(other) + " and " + groups.get(i));
                }
            }
        }
        return groupOf;
    }

    private static long pairs(final long n)
    {
        return n * (n - 1) / 2;
    }

    /** The counts behind one comparison, and the ratios derived from them. Immutable. */
    public static final class Score
    {
        static final Score ZERO = new Score(0, 0, 0, 0, 0, 0, 0);

        private final long predictedPairs;
        private final long expectedPairs;
        private final long truePairs;
        private final int predictedGroups;
        private final int expectedGroups;
        private final int correctPredictedGroups;
        private final int matchedExpectedGroups;

        public Score(final long predictedPairs, final long expectedPairs, final long truePairs, final int predictedGroups,
            final int expectedGroups, final int correctPredictedGroups, final int matchedExpectedGroups)
        {
            this.predictedPairs = predictedPairs;
            this.expectedPairs = expectedPairs;
            this.truePairs = truePairs;
            this.predictedGroups = predictedGroups;
            this.expectedGroups = expectedGroups;
            this.correctPredictedGroups = correctPredictedGroups;
            this.matchedExpectedGroups = matchedExpectedGroups;
        }

        public Score plus(final Score o)
        {
            return new Score(predictedPairs + o.predictedPairs, expectedPairs + o.expectedPairs, truePairs + o.truePairs,
                predictedGroups + o.predictedGroups, expectedGroups + o.expectedGroups,
                correctPredictedGroups + o.correctPredictedGroups, matchedExpectedGroups + o.matchedExpectedGroups);
        }

        /** Pairs of events the prediction puts in the same group. */
        public long predictedPairs()
        {
            return predictedPairs;
        }

        /** Pairs of events the labels put in the same group. */
        public long expectedPairs()
        {
            return expectedPairs;
        }

        /** Pairs in both. */
        public long truePairs()
        {
            return truePairs;
        }

        public int predictedGroups()
        {
            return predictedGroups;
        }

        public int expectedGroups()
        {
            return expectedGroups;
        }

        /** Predicted groups whose member set equals an expected group's. */
        public int correctPredictedGroups()
        {
            return correctPredictedGroups;
        }

        /** Expected groups that some predicted group equals. */
        public int matchedExpectedGroups()
        {
            return matchedExpectedGroups;
        }

        /** True pairs / predicted pairs; NaN when nothing is predicted. */
        public double pairPrecision()
        {
            return ratio(truePairs, predictedPairs);
        }

        /** True pairs / expected pairs; NaN when nothing is expected. */
        public double pairRecall()
        {
            return ratio(truePairs, expectedPairs);
        }

        /** Correct predicted groups / predicted groups; NaN when no group is predicted. */
        public double groupPrecision()
        {
            return ratio(correctPredictedGroups, predictedGroups);
        }

        /** Matched expected groups / expected groups; NaN when no group is expected. */
        public double groupRecall()
        {
            return ratio(matchedExpectedGroups, expectedGroups);
        }

        private static double ratio(final long num, final long den)
        {
            return den == 0 ? Double.NaN : (double)num / den;
        }

        @Override
        public String toString()
        {
            return "pairs " + truePairs + "/" + predictedPairs + " predicted, " + truePairs + "/" + expectedPairs +
                " expected; groups " + correctPredictedGroups + "/" + predictedGroups + " predicted, " +
                matchedExpectedGroups + "/" + expectedGroups + " expected";
        }
    }
}
