# -*- coding: utf-8 -*-
# Unicode fixture: emoji, CJK and CRLF line endings.

greeting = "こんにちは世界"  # Japanese: hello world
chinese = "你好，世界"
emoji = "🎉🚀 party 👩‍💻"
combining = "école"


def shout(text):
    return text.upper() + "!"


print(shout(greeting), emoji)
