using Azure;
using Azure.Data.Tables;

namespace Campaigns.Functions.Retention;

/// <summary>How many more rows and blobs one retention run may delete (<see cref="RetentionOptions.MaxDeletesPerRun"/>).</summary>
internal sealed class DeleteBudget(int max)
{
    private int _left = max;

    public int Left => Math.Max(0, Volatile.Read(ref _left));

    public bool Spent => Left == 0;

    public long Deleted { get; private set; }

    public void Spend(int count)
    {
        Interlocked.Add(ref _left, -count);
        Deleted += count;
    }
}

/// <summary>Deletes rows of one partition in transactions of up to 100 (one partition, so each is one transaction).</summary>
internal static class TableDeletes
{
    private const int TransactionRows = 100;
    private const int ReadRows = 1000;

    /// <summary>
    /// Deletes the rows of <paramref name="partition"/> that <paramref name="rowFilter"/> (an OData filter on RowKey, or
    /// null for all) selects, within the budget. True when none is left; false when the budget ran out first. A row
    /// already gone (another run, a relay) is passed over.
    /// </summary>
    public static async Task<bool> DeleteAsync(TableClient table, string partition, string? rowFilter, DeleteBudget budget, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}") + (rowFilter is null ? "" : " and " + rowFilter);
        while (true)
        {
            if (budget.Spent)
                return false;
            var keys = new List<string>();
            await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: ReadRows, select: ["RowKey"], cancellationToken: cancellationToken))
            {
                keys.Add(row.RowKey);
                if (keys.Count >= Math.Min(ReadRows, budget.Left))
                    break;
            }
            if (keys.Count == 0)
                return true;
            foreach (var chunk in keys.Chunk(TransactionRows))
            {
                try
                {
                    await table.SubmitTransactionAsync(
                        chunk.Select(key => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, key), ETag.All)), cancellationToken);
                }
                catch (TableTransactionFailedException ex) when (ex.Status == 404)
                {
                    foreach (var key in chunk)
                    {
                        try
                        {
                            await table.DeleteEntityAsync(partition, key, ETag.All, cancellationToken);
                        }
                        catch (RequestFailedException gone) when (gone.Status == 404)
                        {
                        }
                    }
                }
                budget.Spend(chunk.Length);
            }
        }
    }

    /// <summary>Whether any row of the partition that <paramref name="rowFilter"/> selects is left.</summary>
    public static async Task<bool> AnyAsync(TableClient table, string partition, string? rowFilter, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}") + (rowFilter is null ? "" : " and " + rowFilter);
        await foreach (var _ in table.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken))
            return true;
        return false;
    }
}
