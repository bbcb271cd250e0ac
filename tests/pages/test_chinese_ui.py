import pytest
from nicegui.testing import User

from .conftest import login, register


@pytest.fixture(autouse=True)
def chinese(app_environment: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CHAT_LANGUAGE', 'zh-CN')


async def test_pages_speak_chinese(user: User) -> None:
    await user.open('/login')
    await user.should_see('还没有账号？', retries=50)
    await user.should_see('立即注册', retries=50)
    await register(user, '小明')
    await user.should_see('注册成功，请登录。', retries=50)
    await login(user, '小明', 'wrong123')
    await user.should_see('用户名或密码错误。', retries=50)
    await login(user, '小明')
    await user.should_see('退出', retries=50)


async def test_init_admin_in_chinese(user: User) -> None:
    await user.open('/init_admin')
    await user.should_see('创建管理员', retries=50)
