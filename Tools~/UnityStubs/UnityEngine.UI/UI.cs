// Compile-only stub of the Unity API: no behaviour, every member throws. Lets `dotnet build` type-check the
// package's Unity glue without Unity installed. Never shipped, never referenced by Unity (Tools~ is not imported).
using System.Collections.Generic;
using UnityEngine.Events;
using UnityEngine.EventSystems;
using UnityStubs;

namespace UnityEngine.EventSystems
{
    public abstract class UIBehaviour : MonoBehaviour
    {
    }

    public class EventSystem : UIBehaviour
    {
    }

    public abstract class BaseInputModule : UIBehaviour
    {
    }

    public abstract class PointerInputModule : BaseInputModule
    {
    }

    public class StandaloneInputModule : PointerInputModule
    {
    }

    public abstract class BaseRaycaster : UIBehaviour
    {
    }
}

namespace UnityEngine.UI
{
    public abstract class Graphic : UIBehaviour
    {
        public virtual Color color { get => throw new StubException(); set => throw new StubException(); }
        public RectTransform rectTransform => throw new StubException();
    }

    public abstract class MaskableGraphic : Graphic
    {
    }

    public class RawImage : MaskableGraphic
    {
        public Texture texture { get => throw new StubException(); set => throw new StubException(); }
        public Rect uvRect { get => throw new StubException(); set => throw new StubException(); }
    }

    public class Text : MaskableGraphic
    {
        public virtual string text { get => throw new StubException(); set => throw new StubException(); }
        public int fontSize { get => throw new StubException(); set => throw new StubException(); }
        public TextAnchor alignment { get => throw new StubException(); set => throw new StubException(); }
    }

    public class Selectable : UIBehaviour
    {
        public bool interactable { get => throw new StubException(); set => throw new StubException(); }
    }

    public class Button : Selectable
    {
        public class ButtonClickedEvent : UnityEvent
        {
        }

        public ButtonClickedEvent onClick { get => throw new StubException(); set => throw new StubException(); }
    }

    public class Slider : Selectable
    {
        public virtual float value { get => throw new StubException(); set => throw new StubException(); }
        public float minValue { get => throw new StubException(); set => throw new StubException(); }
        public float maxValue { get => throw new StubException(); set => throw new StubException(); }
    }

    public class Dropdown : Selectable
    {
        public int value { get => throw new StubException(); set => throw new StubException(); }
        public void ClearOptions() => throw new StubException();
        public void AddOptions(List<string> options) => throw new StubException();
    }

    public class InputField : Selectable
    {
        public string text { get => throw new StubException(); set => throw new StubException(); }
    }

    public class GraphicRaycaster : BaseRaycaster
    {
    }

    public class CanvasScaler : UIBehaviour
    {
        public enum ScaleMode
        {
            ConstantPixelSize,
            ScaleWithScreenSize,
            ConstantPhysicalSize,
        }

        public ScaleMode uiScaleMode { get => throw new StubException(); set => throw new StubException(); }
        public Vector2 referenceResolution { get => throw new StubException(); set => throw new StubException(); }
    }

    public static class DefaultControls
    {
        public struct Resources
        {
            public Sprite standard;
            public Sprite background;
            public Sprite inputField;
            public Sprite knob;
            public Sprite checkmark;
            public Sprite dropdown;
            public Sprite mask;
        }

        public static GameObject CreateRawImage(Resources resources) => throw new StubException();
        public static GameObject CreateText(Resources resources) => throw new StubException();
        public static GameObject CreateButton(Resources resources) => throw new StubException();
        public static GameObject CreateSlider(Resources resources) => throw new StubException();
        public static GameObject CreateDropdown(Resources resources) => throw new StubException();
        public static GameObject CreateInputField(Resources resources) => throw new StubException();
    }
}
