namespace DnS.Core.Library;

/// <summary>What the text side of an index keeps for one video (<see cref="VideoLibrary.GetTextEmbeddings"/>).</summary>
/// <param name="Id">The video's id.</param>
/// <param name="Frames">T, frames sampled at 1 fps.</param>
/// <param name="FrameEmbeddings">T×D L2-normalized CLIP frame embeddings, row-major.</param>
/// <param name="Pooled">The fast video embedding (D floats): the L2-normalized mean of the frame embeddings.</param>
public sealed record TextEmbeddings(string Id, int Frames, float[] FrameEmbeddings, float[] Pooled);
