using System.Globalization;
using System.Text.Json;
using DnS.Core.Indexing;
using DnS.Core.Networks;
using DnS.Core.Storage;

namespace DnS.Cluster;

/// <summary>
/// A silo's view of the cluster's shards (one per silo process): the root folder every silo reaches, the shard count and
/// the networks. The root holds <c>cluster.json</c> (shard count and record layout, written once by the first silo that
/// starts on an empty root) and one store folder per shard, <c>shard-NNNN</c>, all created together with it, so a
/// missing shard folder later is a fault (reported), never an empty shard made up on the spot.
/// </summary>
internal sealed class ShardSet
{
    internal const string LayoutFileName = "cluster.json";
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _ready;

    public ShardSet(string root, int shards, DnsModels models)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        Root = Path.GetFullPath(root);
        Shards = shards;
        Models = models;
        Schema = VideoRecordFactory.SchemaOf(models);
    }

    public string Root { get; }

    public int Shards { get; }

    public DnsModels Models { get; }

    public StoreSchema Schema { get; }

    public ClusterLayout Layout => new(Shards, Schema.CoarseDimensions, Schema.FineKind, Schema.Regions, Schema.FineDimensions);

    public static string ShardFolder(string root, int shard) => Path.Combine(root, string.Create(CultureInfo.InvariantCulture, $"shard-{shard:D4}"));

    /// <summary>Opens a shard's store for writing (the grain owns it until it deactivates).</summary>
    /// <exception cref="ShardUnavailableException">The store is missing, damaged or locked by another process.</exception>
    /// <exception cref="InvalidOperationException">The root belongs to a cluster of another shard count or layout.</exception>
    public async Task<FileVideoStore> OpenAsync(int shard, CancellationToken cancellationToken)
    {
        if (shard < 0 || shard >= Shards) throw new ArgumentOutOfRangeException(nameof(shard), shard, $"the cluster has shards 0..{Shards - 1}");
        await EnsureLayoutAsync(cancellationToken).ConfigureAwait(false);
        string folder = ShardFolder(Root, shard);
        try
        {
            return await FileVideoStore.OpenAsync(folder, new FileVideoStoreOptions { ReadOnly = false }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or StoreCorruptException or UnauthorizedAccessException)
        {
            throw new ShardUnavailableException($"shard {shard}: its store {folder} cannot be opened: {e.Message}", e);
        }
    }

    /// <summary>Writes <c>cluster.json</c> and creates every shard store when the root is new; otherwise checks that the
    /// root's layout is this silo's.</summary>
    private async Task EnsureLayoutAsync(CancellationToken cancellationToken)
    {
        if (_ready) return;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_ready) return;
            Directory.CreateDirectory(Root);
            string path = Path.Combine(Root, LayoutFileName);
            if (!File.Exists(path))
            {
                // Shard stores first, the layout file last (atomically): a root with cluster.json has all its shards.
                for (int s = 0; s < Shards; s++)
                    await using ((await CreateShardAsync(s, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false)) { }
                string temporary = path + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp";
                await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(Layout), cancellationToken).ConfigureAwait(false);
                try
                {
                    File.Move(temporary, path, overwrite: false);
                }
                catch (IOException) when (File.Exists(path))
                {
                    File.Delete(temporary); // another silo wrote it first: checked below like any existing layout
                }
            }
            var existing = JsonSerializer.Deserialize<ClusterLayout>(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false))
                ?? throw new InvalidOperationException($"{path} is empty");
            if (existing != Layout)
                throw new InvalidOperationException($"{path}: the cluster root holds {existing.Shards} shards of {existing.Schema}; this silo was started with {Shards} shards of {Schema}");
            _ready = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<FileVideoStore> CreateShardAsync(int shard, CancellationToken cancellationToken)
    {
        string folder = ShardFolder(Root, shard);
        try
        {
            // New shards keep region means (region picks scan them instead of every fine feature); older ones open as they are.
            return await FileVideoStore.CreateOrOpenAsync(folder, Schema with { RegionMeans = true }, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            throw new ShardUnavailableException($"shard {shard}: cannot create its store {folder}: {e.Message}", e);
        }
    }
}
