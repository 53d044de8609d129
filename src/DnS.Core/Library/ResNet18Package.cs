using System.Reflection;
using DnS.Core.Features.Backbone;

namespace DnS.Core.Library;

/// <summary>
/// Reaches the ResNet-18 of the package <c>DnS.Features.ResNet18</c> without DnS.Core depending on it (its model is
/// 63 MB): the assembly is loaded by name from the host application, and a host that does not reference the package
/// gets an error saying which package to add.
/// </summary>
internal static class ResNet18Package
{
    public const string AssemblyName = "DnS.Features.ResNet18";
    private const string EntryType = "DnS.Features.ResNet18.ResNet18Features";
    private const string OptionsType = "DnS.Features.ResNet18.ResNet18FeatureOptions";

    /// <summary>The model file the package's build step puts beside the application.</summary>
    /// <exception cref="InvalidOperationException">The host does not reference the package.</exception>
    public static string ModelPath => (string)Entry().GetProperty("DefaultModelPath", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    /// <summary>Opens the package's backbone (stage outputs exposed and batch freed by the package) with the given session settings.</summary>
    /// <exception cref="InvalidOperationException">The host does not reference the package.</exception>
    /// <exception cref="FileNotFoundException">The model file is missing.</exception>
    public static OnnxBackbone OpenBackbone(OnnxBackboneOptions session)
    {
        var entry = Entry();
        var options = Activator.CreateInstance(entry.Assembly.GetType(OptionsType, throwOnError: true)!)!;
        options.GetType().GetProperty("Backbone")!.SetValue(options, session);
        try
        {
            return (OnnxBackbone)entry.GetMethod("OpenBackbone", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [options])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    private static Type Entry()
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(AssemblyName);
        }
        catch (FileNotFoundException e)
        {
            throw new InvalidOperationException(
                $"ResNet-18 features need the package {AssemblyName}, which this application does not reference " +
                $"({AssemblyName}.dll is not in {AppContext.BaseDirectory}): add a PackageReference to {AssemblyName} to the host " +
                "application (the dns tool has it), or use other features", e);
        }
        return assembly.GetType(EntryType, throwOnError: true)!;
    }
}
