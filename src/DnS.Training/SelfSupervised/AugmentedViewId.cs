namespace DnS.Training.SelfSupervised;

/// <summary>
/// Store ids of augmented views: <c>&lt;video&gt;#&lt;view&gt;</c>. The video part may itself contain '#'; the view
/// number is what follows the last one.
/// </summary>
public static class AugmentedViewId
{
    /// <summary>The separator between the video id and the view number.</summary>
    public const char Separator = '#';

    /// <summary>The id of view <paramref name="view"/> of <paramref name="video"/>.</summary>
    public static string Format(string video, int view) => $"{video}{Separator}{view}";

    /// <summary>Splits <paramref name="id"/> into its video id and view number; false when it is not a view id.</summary>
    public static bool TryParse(string id, out string video, out int view)
    {
        int at = id.LastIndexOf(Separator);
        if (at > 0 && int.TryParse(id.AsSpan(at + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out view))
        {
            video = id[..at];
            return true;
        }
        video = id;
        view = 0;
        return false;
    }
}
