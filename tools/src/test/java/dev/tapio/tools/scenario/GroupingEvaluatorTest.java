package dev.tapio.tools.scenario;

import dev.tapio.tools.scenario.GroupingEvaluator.Score;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The evaluator's arithmetic on hand-made groupings small enough to count by hand. */
class GroupingEvaluatorTest
{
    private static final double EPS = 1e-9;

    private static ScenarioGroup g(final long... ids)
    {
        return ScenarioGroup.of("p", ids);
    }

    @Test
    void perfectPredictionScoresOneEverywhereWhateverTheOrderAndPatternNames()
    {
        final Score s = GroupingEvaluator.score(List.of(g(1, 2, 3), g(4, 5)),
            List.of(ScenarioGroup.of("other", 5, 4), ScenarioGroup.of("x", 3, 1, 2)));
        assertEquals(4, s.expectedPairs());
        assertEquals(4, s.predictedPairs());
        assertEquals(4, s.truePairs());
        assertEquals(1.0, s.pairPrecision(), EPS);
        assertEquals(1.0, s.pairRecall(), EPS);
        assertEquals(1.0, s.groupPrecision(), EPS);
        assertEquals(1.0, s.groupRecall(), EPS);
    }

    @Test
    void oneWrongMergeKeepsRecallAndCostsPrecision()
    {
        // {1,2,3} and {4,5} merged: 10 predicted pairs, of which 3 + 1 expected; the 6 cross pairs are wrong.
        final Score s = GroupingEvaluator.score(List.of(g(1, 2, 3), g(4, 5)), List.of(g(1, 2, 3, 4, 5)));
        assertEquals(10, s.predictedPairs());
        assertEquals(4, s.truePairs());
        assertEquals(0.4, s.pairPrecision(), EPS);
        assertEquals(1.0, s.pairRecall(), EPS);
        assertEquals(0.0, s.groupPrecision(), EPS);
        assertEquals(0.0, s.groupRecall(), EPS);
    }

    @Test
    void oneSplitKeepsPrecisionAndCostsRecall()
    {
        // {1,2,3,4} split into {1,2} and {3,4}: 2 of the 6 expected pairs found, none wrong.
        final Score s = GroupingEvaluator.score(List.of(g(1, 2, 3, 4), g(7, 8)), List.of(g(1, 2), g(3, 4), g(7, 8)));
        assertEquals(7, s.expectedPairs());
        assertEquals(3, s.predictedPairs());
        assertEquals(3, s.truePairs());
        assertEquals(1.0, s.pairPrecision(), EPS);
        assertEquals(3.0 / 7, s.pairRecall(), EPS);
        assertEquals(1.0 / 3, s.groupPrecision(), EPS);
        assertEquals(0.5, s.groupRecall(), EPS);
    }

    @Test
    void noiseOnlyScenarioPunishesAnyGroupAndLeavesRecallUndefined()
    {
        final Score grouped = GroupingEvaluator.score(List.of(), List.of(g(1, 2), g(3, 4, 5)));
        assertEquals(0.0, grouped.pairPrecision(), EPS);
        assertTrue(Double.isNaN(grouped.pairRecall()));
        assertEquals(0.0, grouped.groupPrecision(), EPS);
        assertTrue(Double.isNaN(grouped.groupRecall()));

        final Score quiet = GroupingEvaluator.score(List.of(), List.of());
        assertTrue(Double.isNaN(quiet.pairPrecision()));
        assertTrue(Double.isNaN(quiet.pairRecall()));
        assertTrue(Double.isNaN(quiet.groupPrecision()));
        assertTrue(Double.isNaN(quiet.groupRecall()));
    }

    @Test
    void eventsInNoGroupFormNoPairsAndUnknownIdsOnlyCostPrecision()
    {
        // 9 is in no expected group, so the predicted pairs (1,9) and (2,9) are wrong; (1,2) is right.
        final Score s = GroupingEvaluator.score(List.of(g(1, 2)), List.of(g(1, 2, 9)));
        assertEquals(3, s.predictedPairs());
        assertEquals(1, s.truePairs());
        assertEquals(1.0 / 3, s.pairPrecision(), EPS);
        assertEquals(1.0, s.pairRecall(), EPS);
        assertEquals(0.0, s.groupRecall(), EPS);
    }

    @Test
    void nothingPredictedGivesZeroRecallAndUndefinedPrecision()
    {
        final Score s = GroupingEvaluator.score(List.of(g(1, 2)), List.of());
        assertTrue(Double.isNaN(s.pairPrecision()));
        assertEquals(0.0, s.pairRecall(), EPS);
        assertEquals(0.0, s.groupRecall(), EPS);
    }

    @Test
    void totalIsMicroAveragedOverPairs()
    {
        final Score big = GroupingEvaluator.score(List.of(g(1, 2, 3, 4, 5)), List.of(g(1, 2, 3, 4, 5))); // 10/10
        final Score small = GroupingEvaluator.score(List.of(g(1, 2)), List.of(g(1, 2, 3, 4)));           // 1/6
        final Score t = GroupingEvaluator.total(List.of(big, small));
        assertEquals(11.0 / 16, t.pairPrecision(), EPS); // not the macro mean (1 + 1/6) / 2
        assertEquals(1.0, t.pairRecall(), EPS);
        assertEquals(0.5, t.groupPrecision(), EPS);
        assertEquals(0.5, t.groupRecall(), EPS);
    }

    @Test
    void anEventInTwoPredictedGroupsIsRejectedNamingIt()
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> GroupingEvaluator.score(List.of(g(1, 2)), List.of(g(1, 2), g(0xa0000002L, 0xa0000001L, 2))));
        assertTrue(e.getMessage().contains("00000002 is in two predicted groups"), e.getMessage());
    }

    @Test
    void repeatedIdsInOneGroupCountOnce()
    {
        final Score s = GroupingEvaluator.score(List.of(g(1, 2)), List.of(g(1, 2, 2, 1)));
        assertEquals(1, s.predictedPairs());
        assertEquals(1.0, s.groupPrecision(), EPS);
    }
}
