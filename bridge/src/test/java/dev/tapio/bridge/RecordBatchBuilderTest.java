package dev.tapio.bridge;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordBatchBuilderTest
{
    private final UnsafeBuffer record = new UnsafeBuffer(new byte[100]);

    @Test
    void framesEachRecordWithALittleEndianLength()
    {
        final RecordBatchBuilder b = new RecordBatchBuilder(1024);
        record.setMemory(0, 100, (byte)7);
        assertTrue(b.append(record, 0, 10, 40));
        assertTrue(b.append(record, 0, 3, 41));
        assertEquals(2, b.recordCount());
        assertEquals(4 + 10 + 4 + 3, b.byteCount());
        assertEquals(40, b.firstIndex());
        assertEquals(41, b.lastIndex());
        assertEquals(10, b.buffer().getInt(0, ByteOrder.LITTLE_ENDIAN));
        assertEquals(7, b.buffer().getByte(4));
        assertEquals(3, b.buffer().getInt(14, ByteOrder.LITTLE_ENDIAN));
    }

    @Test
    void refusesARecordThatDoesNotFitAndReportsFull()
    {
        final RecordBatchBuilder b = new RecordBatchBuilder(64);
        assertTrue(b.append(record, 0, 50, 1));
        assertFalse(b.isFull());
        assertFalse(b.append(record, 0, 20, 2));
        assertTrue(b.isFull());
        assertEquals(1, b.recordCount());
        assertEquals(1, b.lastIndex());
        b.reset();
        assertFalse(b.isFull());
        assertTrue(b.isEmpty());
        assertEquals(64, b.remainingBytes());
    }

    @Test
    void takesAnOversizeRecordAloneInAnEmptyBatch()
    {
        final RecordBatchBuilder b = new RecordBatchBuilder(64);
        assertTrue(b.append(new UnsafeBuffer(new byte[500]), 0, 500, 9));
        assertEquals(504, b.byteCount());
        assertTrue(b.isFull());
        b.reset();
        assertEquals(64, b.buffer().capacity());
    }

    @Test
    void claimGivesTheOffsetToWriteAt()
    {
        final RecordBatchBuilder b = new RecordBatchBuilder(64);
        assertEquals(4, b.claim(8, 0));
        assertEquals(16, b.claim(8, 1));
        assertEquals(-1, b.claim(60, 2));
    }
}
